// `sweep run SPEC`: argument checking for the local coordinator (scheduler/local_scheduler.h).
#include "core/util/error.h"
#include "scheduler/local_scheduler.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

int cmd_run(const Argv& argv) {
  Args args("run", argv,
            {"slots", "device", "db", "retries", "trainer", "timeout", "backoff", "kill-grace", "progress-every",
             "runs-dir"},
            {"force"});
  if (args.positional().size() != 1)
    throw InputError("sweep run: expected exactly one spec file (sweep run SPEC.json [--slots N] ...)");
  LocalRunOptions o;
  o.spec_path = args.positional()[0];
  o.db_path = args.get("db", o.db_path);
  o.runs_dir = args.get("runs-dir", "");
  o.slots = args.get_int("slots", 1);
  o.device = args.get("device", "");
  o.retries = args.get_int("retries", 2);
  o.force = args.has("force");
  o.trainer = args.get("trainer", "");
  o.timeout_s = args.get_double("timeout", 0);
  o.backoff_s = args.get_double("backoff", 5);
  o.kill_grace_s = args.get_double("kill-grace", 30);
  o.progress_every_s = args.get_double("progress-every", 5);
  if (o.slots < 1 || o.slots > 1024) throw InputError("sweep run: --slots must be between 1 and 1024");
  if (!o.device.empty() && o.device != "cpu" && o.device != "cuda")
    throw InputError("sweep run: --device must be cpu or cuda, got '" + o.device + "'");
  if (o.retries < 0) throw InputError("sweep run: --retries must be >= 0");
  if (o.timeout_s < 0 || o.backoff_s < 0 || o.kill_grace_s < 0 || o.progress_every_s <= 0)
    throw InputError("sweep run: --timeout, --backoff and --kill-grace must be >= 0, --progress-every > 0");
  return run_local_sweep(o);
}

}  // namespace ds
