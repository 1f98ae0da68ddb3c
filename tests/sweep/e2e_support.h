// End-to-end helpers: start the real `sweep` binary as a direct child (so a test can SIGKILL exactly it),
// wait with a deadline, and build specs for the stand-in trainer in a scratch directory.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep_test_util.h"

namespace ds::test {

// Starts argv[0] (searched in PATH) with stdout and stderr appended to `output_path`; with `new_session`
// it leads its own session, so that kill(-pid) reaches everything it starts.
inline pid_t start_logged(std::vector<std::string> all, const std::string& output_path, bool new_session = false) {
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (new_session) setsid();
    int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

inline pid_t start_sweep(const std::vector<std::string>& args, const std::string& output_path) {
  std::vector<std::string> all = {DS_SWEEP_EXE};
  all.insert(all.end(), args.begin(), args.end());
  return start_logged(all, output_path);
}

// Waits up to `seconds`; returns the wait status, or -1 after killing a child that overran.
inline int wait_for(pid_t pid, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

inline int exit_code_of(int status) { return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

// A stand-in spec: `rows` as given, the smoke cfg by absolute path, a schedule for the stand-in.
inline std::string write_standin_spec(const std::string& path, const std::string& name, const nlohmann::json& rows,
                                      int iterations, int sleep_ms, const nlohmann::json& switches = nlohmann::json::object()) {
  nlohmann::json spec = {
      {"name", name},
      {"base",
       {{"cfg", std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg"},
        {"schedule", {{"max_batches", iterations}, {"sleep_ms", sleep_ms}, {"checkpoint_every", 5}}}}},
      {"switches", switches},
      {"seeds", {7}},
      {"rows", rows},
  };
  write_text(path, spec.dump(2));
  return path;
}

// Processes whose command line mentions `needle` (trainers left behind would).
inline int processes_mentioning(const std::string& needle) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = read_text(e.path().string() + "/cmdline");
    for (auto& c : cmd)
      if (c == '\0') c = ' ';
    if (cmd.find(needle) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace ds::test
