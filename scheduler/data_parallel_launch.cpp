// Nested mpirun command lines for data-parallel runs; see data_parallel_launch.h.
#include "scheduler/data_parallel_launch.h"

#include <unistd.h>

#include <cstdlib>

#include "core/util/error.h"

#ifndef DS_MPIRUN
#define DS_MPIRUN ""
#endif

namespace ds {

std::string find_mpirun(const std::string& needed_by) {
  std::vector<std::string> tried;
  auto usable = [&](const std::string& path) {
    if (path.empty()) return false;
    tried.push_back(path);
    return ::access(path.c_str(), X_OK) == 0;
  };
  if (const char* env = std::getenv("DS_MPIRUN"); env && *env) {
    if (usable(env)) return env;
    throw InputError(needed_by + ": DS_MPIRUN='" + env + "' is not an executable");
  }
  if (usable(DS_MPIRUN)) return DS_MPIRUN;
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (size_t start = 0; start <= dirs.size();) {
      size_t colon = dirs.find(':', start);
      if (colon == std::string::npos) colon = dirs.size();
      std::string dir = dirs.substr(start, colon - start);
      if (!dir.empty() && usable(dir + "/mpirun")) return dir + "/mpirun";
      start = colon + 1;
    }
  }
  throw InputError(needed_by + " trains on several processes with mpirun, and there is none (looked for the one found "
                   "at configure time" + std::string(*DS_MPIRUN ? " (" DS_MPIRUN ")" : "") +
                   " and for mpirun on PATH); install OpenMPI or set DS_MPIRUN");
}

std::vector<std::string> data_parallel_argv(const std::string& mpirun, int processes, const std::vector<std::string>& gpus,
                                            const std::vector<std::string>& trainer_argv) {
  std::vector<std::string> argv = {mpirun, "--oversubscribe", "--bind-to", "none", "--stdin", "none"};
  auto add_trainer = [&] {
    argv.insert(argv.end(), trainer_argv.begin(), trainer_argv.end());
    argv.push_back("--data-parallel");
  };
  if (gpus.empty()) {
    argv.insert(argv.end(), {"-np", std::to_string(processes)});
    add_trainer();
    return argv;
  }
  for (size_t i = 0; i < gpus.size(); ++i) {  // MPMD: one app context per process, MPI_COMM_WORLD spans them
    if (i > 0) argv.push_back(":");
    argv.insert(argv.end(), {"-np", "1", "-x", "CUDA_VISIBLE_DEVICES=" + gpus[i]});
    add_trainer();
  }
  return argv;
}

bool is_mpi_launch_variable(const std::string& kv) {
  if (kv.starts_with("OMPI_ALLOW_RUN_AS_ROOT")) return false;
  return kv.starts_with("OMPI_") || kv.starts_with("PMIX_") || kv.starts_with("PMI_");
}

}  // namespace ds
