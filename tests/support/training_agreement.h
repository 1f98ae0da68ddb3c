// Test support for the data-parallel tests (tests/train/test_mpi_data_parallel.cpp, tests/cuda/
// test_cuda_data_parallel.cpp): how far two trainings from the same start agree, over the trained parameters.
// Rolling statistics are left out: each process moves them with its own mini-batches and the processes average
// them, which is not the single process's sequence of moving averages (core/train/data_parallel.h).
#pragma once
#include <cmath>

#include "core/nn/network.h"

namespace ds::test {

struct TrainingAgreement {
  double moved = 0;   // |reference - start| / |reference|: how far training moved the parameters
  double differ = 0;  // |other - reference| / |reference - start|: how far the two part, relative to that
};

// reference, other: flat parameter buffers in start's layout.
inline TrainingAgreement training_agreement(const Network& start, const float* reference, const float* other) {
  double diff = 0, norm = 0, moved = 0;
  for (const ParamSlot& s : start.param_slots()) {
    if (s.block.kind == ParamKind::rolling_mean || s.block.kind == ParamKind::rolling_variance) continue;
    for (size_t i = s.offset; i < s.offset + s.block.count; ++i) {
      diff += double(other[i] - reference[i]) * (other[i] - reference[i]);
      norm += double(reference[i]) * reference[i];
      moved += double(reference[i] - start.params()[i]) * (reference[i] - start.params()[i]);
    }
  }
  return {std::sqrt(moved / norm), std::sqrt(diff / moved)};
}

}  // namespace ds::test
