// Lenient parsing of progress lines: unknown fields are kept, malformed lines are ignored, never fatal.
#include "scheduler/progress_event.h"

namespace ds {

ProgressEvent parse_progress_line(const std::string& line) {
  ProgressEvent ev;
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("event") || !j["event"].is_string()) return ev;
  ev.event = j["event"].get<std::string>();
  if (j.contains("iteration") && j["iteration"].is_number()) ev.iteration = j["iteration"].get<int64_t>();
  if (j.contains("max_iterations") && j["max_iterations"].is_number())
    ev.max_iterations = j["max_iterations"].get<int64_t>();
  // A NaN loss arrives as null (JSON has no NaN); keep it absent rather than guessing.
  if (j.contains("loss") && j["loss"].is_number()) ev.loss = j["loss"].get<double>();
  if (j.contains("path") && j["path"].is_string()) ev.path = j["path"].get<std::string>();
  if (j.contains("kind") && j["kind"].is_string()) ev.kind = j["kind"].get<std::string>();
  ev.body = std::move(j);
  return ev;
}

}  // namespace ds
