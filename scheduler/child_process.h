// Starting a trainer as a supervised child: its own process group (so a timeout or preemption reaches
// everything it started), stderr appended to its log, JSON-lines progress (stdout, and fd 3 for trainers
// whose stdout is noisy) appended to a progress file, and death of the child when the coordinator dies (so a restarted coordinator never races an orphan).
// Progress goes to a file rather than a pipe so that a coordinator killed before it read some lines loses
// nothing: the next one reads the file again.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace ds {

// The fd the child writes progress lines to; the child also finds it in $DS_PROGRESS_FD.
inline constexpr int kProgressFd = 3;

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the executable's path
  std::vector<std::string> env;   // "KEY=VALUE" added to (or replacing in) the coordinator's environment
  std::string log_path;       // the child's stderr
  std::string progress_path;  // opened for appending as the child's stdout and fd 3
  // Leave out the inherited variables of an enclosing MPI launch (is_mpi_launch_variable): the child is
  // a nested mpirun (scheduler/data_parallel_launch.h).
  bool without_mpi_launch_env = false;
};

struct Child {
  pid_t pid = -1;  // also the process group id
};

Child spawn_child(const SpawnSpec& spec);

// Signals the child's whole process group; a group that is already gone is not an error.
void signal_group(pid_t pid, int sig);

// Non-blocking reap: true with the wait status when the child has ended.
bool reap_child(pid_t pid, int& status);

std::string host_name();
std::string self_executable();  // this program's path (/proc/self/exe)

// Appends to `buffer` what `path` holds beyond `offset`, advancing `offset` (a missing file reads as empty).
void read_new_bytes(const std::string& path, long long& offset, std::string& buffer);

}  // namespace ds
