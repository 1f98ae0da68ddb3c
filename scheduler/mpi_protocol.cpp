// JSON encoding of the coordinator-worker messages (see mpi_protocol.h).
#include "scheduler/mpi_protocol.h"

namespace ds {

using nlohmann::json;

json to_json(const Placement& p) {
  return {{"host", p.host}, {"rank", p.rank}, {"slot", p.slot}, {"local_slot", p.local_slot}, {"gpu", p.gpu},
          {"gpu_error", p.gpu_error}};
}

Placement placement_from_json(const json& j) {
  Placement p;
  p.host = j.at("host").get<std::string>();
  p.rank = j.at("rank").get<int>();
  p.slot = j.at("slot").get<int>();
  p.local_slot = j.at("local_slot").get<int>();
  p.gpu = j.at("gpu").get<std::string>();
  p.gpu_error = j.at("gpu_error").get<std::string>();
  return p;
}

json to_json(const LaunchRequest& r) {
  return {{"attempt_id", r.attempt_id}, {"slot", r.slot},           {"run_dir", r.run_dir},
          {"run_json", r.run_json},     {"marker", r.marker},       {"argv", r.spawn.argv},
          {"env", r.spawn.env},         {"log_path", r.spawn.log_path}, {"progress_path", r.spawn.progress_path},
          {"without_mpi_launch_env", r.spawn.without_mpi_launch_env}};
}

LaunchRequest launch_from_json(const json& j) {
  LaunchRequest r;
  r.attempt_id = j.at("attempt_id").get<int64_t>();
  r.slot = j.at("slot").get<int>();
  r.run_dir = j.at("run_dir").get<std::string>();
  r.run_json = j.at("run_json").get<std::string>();
  r.marker = j.at("marker").get<std::string>();
  r.spawn.argv = j.at("argv").get<std::vector<std::string>>();
  r.spawn.env = j.at("env").get<std::vector<std::string>>();
  r.spawn.log_path = j.at("log_path").get<std::string>();
  r.spawn.progress_path = j.at("progress_path").get<std::string>();
  r.spawn.without_mpi_launch_env = j.at("without_mpi_launch_env").get<bool>();
  return r;
}

json to_json(const std::vector<HostEvent>& events) {
  json out = json::array();
  for (const auto& e : events)
    out.push_back({{"kind", int(e.kind)}, {"attempt_id", e.attempt_id}, {"pid", e.pid}, {"text", e.text},
                   {"wait_status", e.wait_status}});
  return out;
}

std::vector<HostEvent> events_from_json(const json& j) {
  std::vector<HostEvent> out;
  for (const auto& e : j)
    out.push_back({HostEvent::Kind(e.at("kind").get<int>()), e.at("attempt_id").get<int64_t>(),
                   e.at("pid").get<int64_t>(), e.at("text").get<std::string>(), e.at("wait_status").get<int>()});
  return out;
}

}  // namespace ds
