// Summarises the runs of a report row into counts per state and one short status text.
#include "reports/row_status.h"

#include <algorithm>

namespace ds {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string progress_of(const std::vector<AttemptRecord>& attempts) {
  for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
    if (it->state != "running" || !it->iteration) continue;
    std::string text = "it " + std::to_string(*it->iteration);
    if (it->max_iterations && *it->max_iterations > 0) text += "/" + std::to_string(*it->max_iterations);
    return text;
  }
  return "";
}

}  // namespace

std::string failure_reason(const std::vector<AttemptRecord>& attempts) {
  for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
    if (it->state != "failed") continue;
    if (!it->reason.empty()) return it->reason;
    if (it->signal) return "signal " + std::to_string(*it->signal);
    if (it->exit_code) return "exit " + std::to_string(*it->exit_code);
    return "no reason recorded";
  }
  return "no failed attempt recorded";
}

RowStatus row_status(Store& store, const std::vector<const RunRecord*>& runs) {
  RowStatus s;
  s.total = int(runs.size());
  for (const RunRecord* r : runs) {
    if (r->state == "done") {
      ++s.done;
    } else if (r->state == "running") {
      ++s.running;
      if (s.running_progress.empty()) s.running_progress = progress_of(store.attempts(r->id));
    } else if (r->state == "failed") {
      ++s.failed;
      std::string why = failure_reason(store.attempts(r->id));
      if (std::find(s.failure_reasons.begin(), s.failure_reasons.end(), why) == s.failure_reasons.end())
        s.failure_reasons.push_back(why);
    } else if (r->state == "cancelled") {
      ++s.cancelled;
    } else {
      ++s.pending;
    }
  }
  if (s.total == 0) {
    s.text = "not in sweep";
    return s;
  }
  if (s.done == s.total) {
    s.text = "done";
    return s;
  }
  // With one run the count says nothing; with several it tells how many are in each state.
  std::vector<std::string> parts;
  auto add = [&](int count, const std::string& word, const std::string& detail) {
    if (count == 0) return;
    std::string part = (s.total > 1 ? std::to_string(count) + " " : "") + word;
    if (!detail.empty()) part += " (" + detail + ")";
    parts.push_back(part);
  };
  add(s.done, "done", "");
  add(s.running, "running", s.running_progress);
  add(s.pending, "pending", "");
  add(s.failed, "failed", join(s.failure_reasons, "; "));
  add(s.cancelled, "cancelled", "");
  s.text = join(parts, ", ");
  return s;
}

}  // namespace ds
