// The evolutionary search of a GA stage (docs/spec.md, "GA stages"): its genes, the first generation, and
// the next generation from the fitnesses of the last one. Everything is a pure function of the GA's
// seed and the fitnesses, so a sweep that is killed and resumed rebuilds the same populations.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ds {

// One gene: an override key ("net.momentum") whose value is searched in [lo, hi], uniformly in the
// value (linear) or in its logarithm (log).
struct GaGene {
  std::string key;
  double lo = 0, hi = 0;
  bool log = false;
  std::string where;  // JSON path, for errors
};

struct GaSpec {
  int population = 0;
  int generations = 0;
  uint64_t seed = 0;
  double fraction = 0.1;   // of the base schedule's max_batches each individual trains
  int elite = 1;           // best individuals carried into the next generation unchanged (not retrained)
  int tournament = 2;      // individuals drawn per tournament; the fittest of them is a parent
  double sigma = 0.2;      // mutation: Gaussian step, as a fraction of the gene's range in its scale
  std::vector<GaGene> genes;
};

using Genome = std::vector<double>;  // one value per gene, in GaSpec::genes order

// A member of a generation: its genes and, for an elite, the index it had in the previous generation.
struct GaMember {
  Genome genes;
  int carried_from = -1;
};

std::vector<GaMember> first_generation(const GaSpec& ga);
// `fitness[i]` belongs to `current[i]`; `generation` is the index of the generation being made (>= 1).
std::vector<GaMember> next_generation(const GaSpec& ga, int generation, const std::vector<GaMember>& current,
                                      const std::vector<double>& fitness);

// The override of one gene value, "net.momentum=0.949" (4 significant digits: the value a run uses is
// the one its override string says).
std::string gene_override(const GaGene& gene, double value);

// 0.1·AP50 + 0.9·AP of a run's result (its trainer's final metrics); 0 when either is missing.
double ga_fitness(const nlohmann::json& result);

}  // namespace ds
