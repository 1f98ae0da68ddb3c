// `sweep cancel`: pending runs become cancelled; running ones are stopped by their coordinator.
#include <cstdio>

#include "core/util/error.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"
#include "sweep/store.h"

namespace ds {

int cmd_cancel(const Argv& argv) {
  Args args("cancel", argv, {"db", "sweep"});
  if (args.positional().empty() && !args.has("sweep"))
    throw InputError("sweep cancel: name runs (ids or prefixes) or a --sweep to cancel");
  Store store(args.get("db", "darksweep.db"), Store::Mode::read_write);
  std::vector<std::string> ids;
  for (const auto& p : args.positional()) ids.push_back(store.find_run(p).id);
  if (args.has("sweep")) {
    auto runs = store.runs(args.get("sweep", ""));
    if (runs.empty()) throw InputError("sweep cancel: no sweep '" + args.get("sweep", "") + "' in the database");
    for (const auto& r : runs) ids.push_back(r.id);
  }
  auto c = store.cancel(ids);
  std::printf("cancelled %d pending run(s); asked the coordinator to stop %d running run(s)\n", c.cancelled,
              c.requested);
  return kExitOk;
}

}  // namespace ds
