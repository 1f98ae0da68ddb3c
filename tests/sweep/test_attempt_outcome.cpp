// The scheduler's exit-status policy: which endings are failures, which are retried, which are not
// failures at all (preemption), and what the progress line looks like.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

#include "scheduler/attempt_outcome.h"
#include "scheduler/progress_event.h"
#include "scheduler/status_line.h"

namespace ds {
namespace {

int exited(int code) { return (code & 0xff) << 8; }  // the waitpid encoding on Linux
int killed(int sig) { return sig & 0x7f; }

TEST(AttemptOutcome, ExitStatusesMapToStatesAndRetries) {
  ExitFacts f;
  f.retries = 2;
  f.wait_status = exited(0);
  f.saw_done = true;
  EXPECT_EQ(classify_attempt(f).run_state, "done");
  f.saw_done = false;
  EXPECT_EQ(classify_attempt(f).state, "failed");  // exit 0 but no done event

  f.wait_status = killed(SIGSEGV);
  AttemptEnd crash = classify_attempt(f);
  EXPECT_EQ(crash.state, "failed");
  EXPECT_EQ(crash.signal, SIGSEGV);
  EXPECT_NE(crash.reason.find("SIGSEGV"), std::string::npos);
  EXPECT_EQ(crash.run_state, "pending");
  EXPECT_TRUE(crash.count_failure);

  f.wait_status = exited(3);
  EXPECT_NE(classify_attempt(f).reason.find("NaN"), std::string::npos);
  f.failures_before = 2;  // the third failure with --retries 2
  EXPECT_EQ(classify_attempt(f).run_state, "failed");
  f.failures_before = 0;

  f.wait_status = exited(2);
  EXPECT_EQ(classify_attempt(f).run_state, "failed");  // bad input is not retried

  f.wait_status = killed(SIGKILL);
  f.timed_out = true;
  f.timeout_s = 9;
  EXPECT_EQ(classify_attempt(f).reason, "timeout after 9 s");
  f.timed_out = false;
}

TEST(AttemptOutcome, PreemptionIsNotAFailure) {
  ExitFacts f;
  f.wait_status = exited(4);
  AttemptEnd e = classify_attempt(f);
  EXPECT_EQ(e.state, "preempted");
  EXPECT_EQ(e.run_state, "pending");
  EXPECT_FALSE(e.count_failure);
  f.wait_status = killed(SIGKILL);  // stopped by us after the grace period
  f.preempting = true;
  EXPECT_EQ(classify_attempt(f).state, "preempted");
  f.preempting = false;
  f.cancelling = true;
  EXPECT_EQ(classify_attempt(f).run_state, "cancelled");
}

TEST(ProgressEvent, ParsesProtocolLinesAndIgnoresOthers) {
  auto ev = parse_progress_line(R"({"event":"iter","iteration":5,"max_iterations":10,"loss":1.5,"lr":0.001})");
  EXPECT_EQ(ev.event, "iter");
  EXPECT_EQ(ev.iteration, 5);
  EXPECT_EQ(ev.max_iterations, 10);
  EXPECT_EQ(ev.loss, 1.5);
  EXPECT_EQ(parse_progress_line(R"({"event":"iter","iteration":6,"loss":null})").loss, std::nullopt);
  EXPECT_EQ(parse_progress_line("loading weights...").event, "");
  EXPECT_EQ(parse_progress_line(R"({"iteration":5})").event, "");
  EXPECT_EQ(parse_progress_line(R"({"event":"checkpoint","path":"c.bin"})").path, "c.bin");
}

TEST(StatusLine, SummarisesCountsRunningRunsAndEta) {
  SweepCounts c;
  c.total = 16, c.done = 3, c.running = 2, c.failed = 1, c.pending = 10;
  std::string line = format_status_line("table4", c, {{"1a2b3c4d5e6f", 120, 500, 3.21, true}}, 725);
  EXPECT_EQ(line, "table4: 3/16 done, 2 running, 1 failed, 10 pending | 1a2b3c4d 120/500 loss 3.21 | ETA 12m05s");
  EXPECT_EQ(format_duration(-1), "?");
  EXPECT_EQ(format_duration(7300), "2h01m");
}

}  // namespace
}  // namespace ds
