// The messages between the coordinator (rank 0) and the worker ranks, as JSON:
//   hello    worker → 0   {"slots": [Placement...]}                the worker's slots and their GPUs
//   launch   0 → worker   LaunchRequest                            prepare RUN_DIR and start a trainer
//   signal   0 → worker   {"attempt_id", "sig"}                    signal an attempt's process group
//   events   worker → 0   [HostEvent...]                           started / output / ended / launch_failed
//   shutdown 0 → worker   {"exit_code"}                            every attempt has ended: exit with this code
// A worker never opens the store; everything it learns goes to rank 0, the only writer.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/child_host.h"

namespace ds {

nlohmann::json to_json(const Placement& p);
Placement placement_from_json(const nlohmann::json& j);

nlohmann::json to_json(const LaunchRequest& r);
LaunchRequest launch_from_json(const nlohmann::json& j);

nlohmann::json to_json(const std::vector<HostEvent>& events);
std::vector<HostEvent> events_from_json(const nlohmann::json& j);

}  // namespace ds
