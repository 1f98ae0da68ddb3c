// The stand-in trainer's fake loss curve, shared with the tests that check a resumed run's arithmetic.
#pragma once
#include <cmath>

namespace ds::test {

// Deterministic in (seed, iteration): a resumed run reproduces the uninterrupted one exactly.
inline double standin_loss(long long seed, long long iteration) {
  return 5.0 * std::exp(-double(iteration) / 20.0) + 0.01 * double((seed * 7919 + iteration * 104729) % 100) / 100.0;
}

// Sum of the loss over iterations 1..n in order (what an uninterrupted run reports as loss_sum).
inline double standin_loss_sum(long long seed, long long n) {
  double s = 0;
  for (long long i = 1; i <= n; ++i) s += standin_loss(seed, i);
  return s;
}

}  // namespace ds::test
