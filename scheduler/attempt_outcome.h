// What an ended trainer process means: the attempt's state and reason, and the run's next state under
// the retry policy (crashes, NaN and timeouts are retried; bad input is not; preemption is not a failure).
#pragma once
#include <string>

#include "sweep/store.h"

namespace ds {

struct ExitFacts {
  int wait_status = 0;       // as from waitpid
  bool saw_done = false;     // a {"event":"done"} line arrived
  bool timed_out = false;    // the coordinator killed it for running past --timeout
  double timeout_s = 0;
  bool hung = false;         // the coordinator killed it for printing no progress for --heartbeat seconds
  double heartbeat_s = 0;
  bool preempting = false;   // the coordinator asked it to stop (SIGINT/SIGTERM to `sweep run`)
  bool cancelling = false;   // `sweep cancel` asked it to stop
  int failures_before = 0;   // failed attempts of this run since it was queued
  int retries = 0;           // failed attempts allowed beyond the first
};

// `result_json` of the returned AttemptEnd is left empty; the caller adds the done event's metrics.
AttemptEnd classify_attempt(const ExitFacts& facts);

std::string signal_name(int sig);

}  // namespace ds
