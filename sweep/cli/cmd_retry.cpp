// `sweep retry RUN`: a failed or cancelled run goes back to pending with its failure count reset.
#include <cstdio>

#include "core/util/error.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"
#include "sweep/store.h"

namespace ds {

int cmd_retry(const Argv& argv) {
  Args args("retry", argv, {"db"});
  if (args.positional().empty()) throw InputError("sweep retry: name the run(s) to retry (ids or unique prefixes)");
  Store store(args.get("db", "darksweep.db"), Store::Mode::read_write);
  for (const auto& p : args.positional()) {
    RunRecord r = store.find_run(p);
    store.retry(r.id);
    std::printf("%s: pending (a running `sweep run` picks it up; otherwise run the sweep again)\n", r.id.c_str());
  }
  return kExitOk;
}

}  // namespace ds
