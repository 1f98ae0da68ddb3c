// fork/exec of trainer children with process groups, log redirection, a progress file and PDEATHSIG.
#include "scheduler/child_process.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "scheduler/data_parallel_launch.h"

extern char** environ;

namespace ds {
namespace {

[[noreturn]] void fail(const std::string& call, const std::string& what) {
  throw std::runtime_error(call + " (" + what + "): " + std::strerror(errno));
}

}  // namespace

Child spawn_child(const SpawnSpec& spec) {
  if (spec.argv.empty()) throw std::runtime_error("spawn_child: empty argv");
  // Everything the child needs is built before fork: between fork and exec only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (spec.without_mpi_launch_env && is_mpi_launch_variable(kv)) continue;
    bool replaced = false;
    for (const auto& add : spec.env)
      replaced = replaced || kv.substr(0, kv.find('=') + 1) == add.substr(0, add.find('=') + 1);
    if (!replaced) env_strings.push_back(kv);
  }
  for (const auto& add : spec.env) env_strings.push_back(add);
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int progress_fd = ::open(spec.progress_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (progress_fd < 0) fail("open", spec.progress_path);
  int log_fd = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    ::close(progress_fd);
    fail("open", spec.log_path);
  }
  pid_t parent = ::getpid();
  // Signals stay blocked from before fork until the child has reset what it inherited: a SIGTERM sent to
  // the new group early must not be lost to the parent's handler or to an ignored disposition (MPI
  // workers ignore SIGTERM, and an ignored signal stays ignored across exec). It waits, pending, and
  // then stops the child by its default action.
  sigset_t all, before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    ::close(progress_fd);
    ::close(log_fd);
    fail("fork", spec.argv[0]);
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the coordinator died before prctl took effect
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(progress_fd, 1);  // `sweep train` prints its JSON lines on stdout
    ::dup2(log_fd, 2);
    if (progress_fd == kProgressFd) {
      ::fcntl(kProgressFd, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
    } else {
      ::dup2(progress_fd, kProgressFd);
    }
    ::execve(argv[0], argv.data(), envp.data());
    const char msg[] = "sweep: exec of the trainer failed\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also in the parent, so signal_group works even before the child ran
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  ::close(progress_fd);
  ::close(log_fd);
  return Child{pid};
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string self_executable() {
  char buf[PATH_MAX] = {};
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("readlink /proc/self/exe failed");
  return std::string(buf, size_t(n));
}

void signal_group(pid_t pid, int sig) {
  if (pid > 0) ::kill(-pid, sig);
}

bool reap_child(pid_t pid, int& status) {
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r == 0) return false;
    if (errno == EINTR) continue;
    fail("waitpid", std::to_string(pid));
  }
}

void read_new_bytes(const std::string& path, long long& offset, std::string& buffer) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::pread(fd, chunk, sizeof chunk, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, size_t(n));
    offset += n;
  }
  ::close(fd);
}

}  // namespace ds
