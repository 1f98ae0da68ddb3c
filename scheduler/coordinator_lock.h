// An exclusive lock that makes a coordinator the only writer of a sweep database: a second `sweep run`
// on the same database fails at once instead of declaring the first one's attempts dead.
#pragma once
#include <string>

namespace ds {

class CoordinatorLock {
 public:
  // Locks DB_PATH.lock (flock; released by the kernel when the process dies, even by SIGKILL).
  explicit CoordinatorLock(const std::string& db_path);
  ~CoordinatorLock();
  CoordinatorLock(const CoordinatorLock&) = delete;
  CoordinatorLock& operator=(const CoordinatorLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ds
