// Test support: ‖got − want‖₂ / ‖want‖₂ (in double; a zero `want` counts as 1e-30 so the ratio stays finite),
// the error measure of the golden and CPU-vs-GPU comparisons.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace ds::test {

inline double relative_l2(const float* got, const float* want, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    num += double(got[i] - want[i]) * (got[i] - want[i]);
    den += double(want[i]) * want[i];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

inline double relative_l2(const std::vector<float>& got, const std::vector<float>& want) {
  return relative_l2(got.data(), want.data(), got.size());
}

}  // namespace ds::test
