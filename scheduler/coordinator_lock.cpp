// flock-based single-coordinator lock with the holder's pid written for the error message.
#include "scheduler/coordinator_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ds {

CoordinatorLock::CoordinatorLock(const std::string& db_path) {
  std::string path = db_path + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("another `sweep run` (pid " + std::string(holder, n > 0 ? size_t(n) : 0) +
                             ") is coordinating " + db_path + "; only one coordinator may write it");
  }
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message above; the lock itself is what matters.
  }
}

CoordinatorLock::~CoordinatorLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace ds
