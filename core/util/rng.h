// Rng: the one random source of core (seeded, serialisable so that checkpoints resume bit-identically).
#pragma once
#include <cstdint>
#include <random>
#include <string>

namespace ds {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : gen_(seed) {}
  float uniform(float lo = 0.f, float hi = 1.f) {  // [lo, hi)
    return lo + (hi - lo) * float(std::uniform_real_distribution<double>(0.0, 1.0)(gen_));
  }
  int uniform_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen_); }  // [lo, hi]
  float normal(float mean = 0.f, float stddev = 1.f) {
    return float(std::normal_distribution<double>(mean, stddev)(gen_));
  }
  uint64_t next() { return gen_(); }
  std::string state() const;          // text form of the generator state, for checkpoints
  void set_state(const std::string&); // inverse of state()

 private:
  std::mt19937_64 gen_;
};

}  // namespace ds
