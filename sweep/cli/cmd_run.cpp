// `sweep run SPEC`: argument checking, then the local coordinator or, under mpirun, the MPI one
// (scheduler/coordinator.h, scheduler/mpi_sweep.h).
#include "core/nn/accelerator.h"
#include "core/util/error.h"
#include "scheduler/coordinator.h"
#include "scheduler/mpi_sweep.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {

int cmd_run(const Argv& argv) {
  Args args("run", argv,
            {"slots", "device", "precision", "db", "retries", "trainer", "timeout", "heartbeat", "backoff", "kill-grace",
             "progress-every", "runs-dir", "gpu-map", "gpus-per-node", "param"},
            {"force", "coordinator-only"});
  if (args.positional().size() != 1)
    throw InputError("sweep run: expected exactly one spec file (sweep run SPEC.json [--slots N] ...)");
  SweepOptions o;
  o.spec_path = args.positional()[0];
  o.db_path = args.get("db", o.db_path);
  o.runs_dir = args.get("runs-dir", "");
  o.slots = args.get_int("slots", 1);
  o.device = args.get("device", "");
  o.precision = args.get("precision", "");
  o.gpu_map = args.get("gpu-map", "");
  o.gpus_per_node = args.get_int("gpus-per-node", 0);
  o.coordinator_only = args.has("coordinator-only");
  o.retries = args.get_int("retries", 2);
  o.force = args.has("force");
  o.trainer = args.get("trainer", "");
  o.timeout_s = args.get_double("timeout", 0);
  o.heartbeat_s = args.get_double("heartbeat", 0);
  o.backoff_s = args.get_double("backoff", 5);
  o.kill_grace_s = args.get_double("kill-grace", 30);
  o.progress_every_s = args.get_double("progress-every", 5);
  for (const std::string& p : args.get_all("param")) {  // NAME=VALUE, checked against the spec's "params"
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw InputError("sweep run: --param expects NAME=VALUE, got '" + p + "'");
    o.params[p.substr(0, eq)] = p.substr(eq + 1);
  }
  if (o.slots < 1 || o.slots > 1024) throw InputError("sweep run: --slots must be between 1 and 1024");
  if (!o.device.empty() && o.device != "cpu" && o.device != "cuda")
    throw InputError("sweep run: --device must be cpu or cuda, got '" + o.device + "'");
  if (!o.precision.empty() && !is_precision_name(o.precision))
    throw InputError("sweep run: --precision must be fp32, tf32 or mixed, got '" + o.precision + "'");
  if (o.retries < 0) throw InputError("sweep run: --retries must be >= 0");
  if (o.timeout_s < 0 || o.heartbeat_s < 0 || o.backoff_s < 0 || o.kill_grace_s < 0 || o.progress_every_s <= 0)
    throw InputError("sweep run: --timeout, --heartbeat, --backoff and --kill-grace must be >= 0, --progress-every > 0");
  if (launched_by_mpi()) return run_mpi_sweep(o);
  if (o.coordinator_only) throw InputError("sweep run: --coordinator-only needs mpirun (an MPI job of 2 or more ranks)");
  return run_local_sweep(o);
}

}  // namespace ds
