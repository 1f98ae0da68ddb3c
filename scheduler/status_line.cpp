// Formatting of the periodic progress line (kept apart from the loop so its format can be tested).
#include "scheduler/status_line.h"

#include <cmath>
#include <cstdio>

namespace ds {

std::string format_duration(double s) {
  if (s < 0 || !std::isfinite(s)) return "?";
  long long t = (long long)std::llround(s);
  char buf[64];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, t % 3600 / 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%llds", t);
  return buf;
}

std::string format_status_line(const std::string& sweep, const SweepCounts& c, const std::vector<RunningView>& running,
                               double eta_s) {
  std::string line = sweep + ": " + std::to_string(c.done) + "/" + std::to_string(c.total) + " done, " +
                     std::to_string(c.running) + " running, " + std::to_string(c.failed) + " failed, " +
                     std::to_string(c.pending) + " pending";
  if (c.cancelled) line += ", " + std::to_string(c.cancelled) + " cancelled";
  for (const auto& r : running) {
    line += " | " + r.run_id.substr(0, 8) + " " + std::to_string(r.iteration) + "/" + std::to_string(r.max_iterations);
    if (r.has_loss) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " loss %.4g", r.loss);
      line += buf;
    }
  }
  line += " | ETA " + format_duration(eta_s);
  return line;
}

}  // namespace ds
