// `ds_bench`: `sweep bench` (the same ds::cmd_bench, sweep/cli/cmd_bench.cpp) as its own executable, for the
// core-only build (-DDARKSWEEP_CORE_ONLY=ON: no SQLite, OpenCV or MPI, so no `sweep` binary).
// Usage: ds_bench --cfg NET.cfg [--size S] [--batch B] [--iters N] (the options of `sweep bench`).
// Exit codes as `sweep`'s: InputError -> 2, any other error -> 1.
#include <cstdio>
#include <exception>

#include "core/util/error.h"
#include "sweep/cli/commands.h"

int main(int argc, char** argv) {
  ds::Argv args(argv + 1, argv + argc);
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
