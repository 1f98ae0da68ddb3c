// The one-line progress summary `sweep run` prints every few seconds on stderr.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace ds {

struct RunningView {
  std::string run_id;
  long long iteration = 0, max_iterations = 0;
  double loss = 0;
  bool has_loss = false;
};

struct SweepCounts {
  int total = 0, done = 0, running = 0, failed = 0, pending = 0, cancelled = 0;
};

// "table4: 3/16 done, 2 running, 1 failed, 10 pending | 1a2b3c4d 120/500 loss 3.21 | ETA 12m05s"
// (eta_s < 0: unknown).
std::string format_status_line(const std::string& sweep, const SweepCounts& counts,
                               const std::vector<RunningView>& running, double eta_s);

std::string format_duration(double seconds);

}  // namespace ds
