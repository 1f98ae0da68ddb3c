// One line of the trainer's JSON-lines progress protocol (docs/progress_protocol.md), parsed.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ds {

struct ProgressEvent {
  std::string event;  // start | iter | eval | checkpoint | artifact | done | "" (not a protocol line)
  int64_t iteration = -1, max_iterations = -1;
  std::optional<double> loss;
  std::string path, kind;  // checkpoint / artifact
  nlohmann::json body;     // the whole line (stored as the metric row); "metrics" for done/eval
};

// Lines that are not JSON objects with a string "event" give event == "" (trainers may print other text).
ProgressEvent parse_progress_line(const std::string& line);

}  // namespace ds
