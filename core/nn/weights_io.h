// darknet .weights files: header (int32 major, minor, revision; then `seen` as uint64 when
// major*10 + minor >= 2, else int32), then every layer's parameter blocks in order (param_blocks()).
#pragma once
#include <cstdint>
#include <string>

#include "core/nn/network.h"

namespace ds {

struct WeightsHeader {
  int32_t major = 0, minor = 2, revision = 5;
  uint64_t seen = 0;  // images seen in training
};

// Loads the first `cutoff` layers (darknet's `partial`; -1 = all). Layers with dontload are skipped
// (their bytes are not in the file's accounting, as darknet); with dontloadscales a batch-norm layer's
// scales and rolling statistics are not read. Truncated files, and oversized files when all layers are
// loaded, are InputErrors naming the expected and actual byte counts.
WeightsHeader load_weights(Network& net, const std::string& path, int cutoff = -1);

// Writes header 0,2,5 + seen and the first `cutoff` layers (-1 = all), atomically.
void save_weights(const Network& net, const std::string& path, uint64_t seen = 0, int cutoff = -1);

}  // namespace ds
