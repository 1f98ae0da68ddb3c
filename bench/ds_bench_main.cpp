// `ds_bench`: `sweep bench` (the same ds::cmd_bench, sweep/cli/cmd_bench.cpp) as its own executable, for the
// core-only build (-DDARKSWEEP_CORE_ONLY=ON: no SQLite, OpenCV or MPI, so no real `sweep` binary). That build
// also links it as BUILD/sweep/sweep, so scripts that run `BUILD/sweep/sweep bench ...` (bench/gpu_vs_torch.sh)
// work on it: a leading `bench` is the subcommand, any other subcommand is not in this build.
// Usage: ds_bench [bench] --cfg NET.cfg [--size S] [--batch B] [--iters N] ... (the options of `sweep bench`).
// Exit codes as `sweep`'s: InputError -> 2, any other error -> 1.
#include <cstdio>
#include <exception>

#include "core/util/error.h"
#include "sweep/cli/commands.h"

int main(int argc, char** argv) {
  ds::Argv args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "bench") {
    args.erase(args.begin());
  } else if (!args.empty() && !args[0].empty() && args[0][0] != '-') {
    std::fprintf(stderr, "ds_bench: '%s': this core-only build has only `bench` (--cfg NET.cfg [--size S] ...)\n",
                 args[0].c_str());
    return ds::kExitBadInput;
  }
  try {
    return ds::cmd_bench(args);
  } catch (const ds::InputError& e) {
    std::fprintf(stderr, "ds_bench: error: %s\n", e.what());
    return ds::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ds_bench: failed: %s\n", e.what());
    return ds::kExitRunFailed;
  }
}
