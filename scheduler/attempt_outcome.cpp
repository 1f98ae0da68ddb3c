// The exit-status policy of the scheduler, in one place so that it can be tested without processes.
#include "scheduler/attempt_outcome.h"

#include <sys/wait.h>

#include <csignal>
#include <cstring>

#include "core/util/error.h"

namespace ds {

std::string signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    default: return "signal " + std::to_string(sig);
  }
}

AttemptEnd classify_attempt(const ExitFacts& f) {
  AttemptEnd end;
  bool exited = WIFEXITED(f.wait_status);
  int code = exited ? WEXITSTATUS(f.wait_status) : -1;
  if (exited) end.exit_code = code;
  if (WIFSIGNALED(f.wait_status)) end.signal = WTERMSIG(f.wait_status);

  auto failure = [&](const std::string& reason, bool retryable) {
    end.state = "failed";
    end.reason = reason;
    end.count_failure = true;
    end.run_state = retryable && f.failures_before + 1 <= f.retries ? "pending" : "failed";
    return end;
  };

  if (exited && code == kExitOk && f.saw_done) {
    end.state = "ok";
    end.reason = "done";
    end.run_state = "done";
    return end;
  }
  if (f.cancelling) {
    end.state = "cancelled";
    end.reason = "cancelled by `sweep cancel`";
    end.run_state = "cancelled";
    return end;
  }
  if (f.timed_out) return failure("timeout after " + std::to_string(int(f.timeout_s)) + " s", true);
  if (f.hung) return failure("hung: no progress for " + std::to_string(int(f.heartbeat_s)) + " s (--heartbeat)", true);
  // A preempted trainer checkpointed and exits 4; one we stopped may also die of the signal itself.
  if ((exited && code == kExitPreempted) || (f.preempting && !exited)) {
    end.state = "preempted";
    end.reason = f.preempting ? "preempted: `sweep run` was interrupted" : "preempted (exit 4)";
    end.run_state = "pending";
    return end;
  }
  if (!exited) return failure("crashed: killed by " + signal_name(WTERMSIG(f.wait_status)), true);
  switch (code) {
    case kExitOk: return failure("exited 0 without a done event", true);
    case kExitBadInput: return failure("bad input (exit 2): see the attempt's log", false);
    case kExitDiverged: return failure("diverged: NaN/Inf loss (exit 3)", true);
    case 127: return failure("the trainer could not be executed (exit 127)", false);
    default: return failure("failed (exit " + std::to_string(code) + ")", true);
  }
}

}  // namespace ds
