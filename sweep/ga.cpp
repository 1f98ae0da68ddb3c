// The GA of a GA stage: tournament selection, elitism, uniform crossover and a clipped
// Gaussian mutation in each gene's scale, all drawn from a SplitMix64 stream seeded by (seed, generation).
#include "sweep/ga.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace ds {
namespace {

// SplitMix64: tiny, and the same numbers on every platform (std::normal_distribution is not).
class Rng {
 public:
  Rng(uint64_t seed, int generation) : state_(seed * 0x9E3779B97F4A7C15ull + uint64_t(generation) + 1) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  int below(int n) { return int(next() % uint64_t(n)); }
  double normal() {  // Box-Muller
    double u = 1.0 - uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
  }

 private:
  uint64_t state_;
};

// Position in the gene's scale, and back (rounded to the value its override string carries).
double to_scale(const GaGene& g, double v) { return g.log ? std::log(v) : v; }
double rounded(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return std::stod(buf);
}
double from_scale(const GaGene& g, double x) {
  double lo = to_scale(g, g.lo), hi = to_scale(g, g.hi);
  x = std::clamp(x, lo, hi);
  return std::clamp(rounded(g.log ? std::exp(x) : x), g.lo, g.hi);
}

}  // namespace

std::vector<GaMember> first_generation(const GaSpec& ga) {
  Rng rng(ga.seed, 0);
  std::vector<GaMember> out(size_t(ga.population));
  for (auto& m : out)
    for (const auto& g : ga.genes) {
      double lo = to_scale(g, g.lo), hi = to_scale(g, g.hi);
      m.genes.push_back(from_scale(g, lo + rng.uniform() * (hi - lo)));
    }
  return out;
}

std::vector<GaMember> next_generation(const GaSpec& ga, int generation, const std::vector<GaMember>& current,
                                      const std::vector<double>& fitness) {
  Rng rng(ga.seed, generation);
  const int n = int(current.size());
  // Fittest first; ties go to the earlier member, so the order is a function of the fitnesses alone.
  std::vector<int> rank(static_cast<size_t>(n));
  std::iota(rank.begin(), rank.end(), 0);
  std::stable_sort(rank.begin(), rank.end(), [&](int a, int b) { return fitness[size_t(a)] > fitness[size_t(b)]; });
  std::vector<GaMember> out;
  for (int e = 0; e < std::min(ga.elite, n); ++e) out.push_back({current[size_t(rank[size_t(e)])].genes, rank[size_t(e)]});
  auto tournament = [&]() {
    int best = rng.below(n);
    for (int k = 1; k < ga.tournament; ++k) {
      int c = rng.below(n);
      if (fitness[size_t(c)] > fitness[size_t(best)] || (fitness[size_t(c)] == fitness[size_t(best)] && c < best)) best = c;
    }
    return best;
  };
  while (int(out.size()) < ga.population) {
    const Genome& a = current[size_t(tournament())].genes;
    const Genome& b = current[size_t(tournament())].genes;
    GaMember child;
    for (size_t i = 0; i < ga.genes.size(); ++i) {
      const GaGene& g = ga.genes[i];
      double x = to_scale(g, rng.uniform() < 0.5 ? a[i] : b[i]);
      x += rng.normal() * ga.sigma * (to_scale(g, g.hi) - to_scale(g, g.lo));
      child.genes.push_back(from_scale(g, x));
    }
    out.push_back(child);
  }
  return out;
}

std::string gene_override(const GaGene& gene, double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return gene.key + "=" + buf;
}

double ga_fitness(const nlohmann::json& result) {
  if (!result.is_object() || !result.contains("AP") || !result.contains("AP50")) return 0;
  if (!result["AP"].is_number() || !result["AP50"].is_number()) return 0;
  double f = 0.1 * result["AP50"].get<double>() + 0.9 * result["AP"].get<double>();
  return std::isfinite(f) ? f : 0;
}

}  // namespace ds
