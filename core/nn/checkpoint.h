// Checkpoints: everything needed to resume training bit-identically — parameters, optimiser state
// (darknet's momentum lives in the gradient accumulators), iteration, images seen, RNG states and the
// data loader's position — in one file written atomically.
//
// Layout: "DSCKPT01", uint64 n = byte length of a JSON header, the JSON header
// {"iteration","seen","num_params","rng":{name: state},"extra":{...}}, then num_params float32 parameters,
// then num_params float32 optimiser accumulators.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/nn/network.h"

namespace ds {

struct TrainState {
  int64_t iteration = 0;                    // completed batches
  uint64_t seen = 0;                        // images seen
  std::map<std::string, std::string> rng;   // Rng::state() of each named generator
  nlohmann::json extra = nlohmann::json::object();  // e.g. the data loader's position
};

void save_checkpoint(const std::string& path, const Network& net, const TrainState& state);
// Restores parameters and optimiser state into `net` (which must have the same layout).
// A file that is not a checkpoint, truncated, or made for another network is an InputError.
TrainState load_checkpoint(const std::string& path, Network& net);

}  // namespace ds
