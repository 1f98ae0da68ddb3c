// Expansion of a Spec into resolved runs: one canonical config per (row, seed, repeat), its content-hashed
// id, its dependencies on other runs, and a cost estimate for longest-first scheduling. A spec with GA
// stages expands in steps: each generation, and the rows that use a GA's result, appear once the
// fitnesses they are made from are known; the coordinator expands again as runs finish.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/spec.h"

namespace ds {

struct ResolvedRun {
  std::string id;            // sha256 of `canonical`
  nlohmann::json config;     // what the trainer gets (see docs/spec.md, "Resolved run")
  std::string canonical;     // config serialised with sorted keys and no whitespace
  std::string stage;
  int row_index = -1;        // index into Spec::rows
  std::string row_label;
  std::string where;         // JSON path of the row (or "stages[i].ga" for a GA individual), for errors
  std::optional<PaperRef> paper;
  int seed = 0;
  int repeat = 0;
  std::vector<std::string> deps;  // ids of runs that must be done first (stage order, init_from)
  double estimate = 0;            // relative cost: iterations x batch x width x height / 1e6
  // Processes (slots) it trains on, data-parallel when > 1 (the spec's "processes"). Not in `config`: the
  // same run on 1 or K processes is the same experiment, with the same id.
  int processes = 1;
};

// One individual of a GA generation: its run (for an elite, the run of the generation it was first
// trained in), its gene overrides, and its fitness once the run has finished.
struct GaIndividual {
  int generation = 0, index = 0;
  std::string run;
  std::vector<std::string> overrides;
  std::optional<double> fitness;
  int carried_from = -1;  // elite: its index in the previous generation
};

struct GaGeneration {
  std::vector<GaIndividual> members;
  std::optional<GaIndividual> best_so_far;  // over this and earlier generations, once all are evaluated
};

// How far a GA stage has got: the generations made so far (none while the stages it comes after are
// not resolved yet); `complete` once the last generation is evaluated, when `best` is its result.
struct GaProgress {
  std::string stage;
  std::vector<GaGeneration> generations;
  bool complete = false;
  std::optional<GaIndividual> best;
};

struct Plan {
  std::string sweep;
  std::vector<ResolvedRun> runs;  // dependencies before dependants; no id twice
  std::vector<GaProgress> ga;     // one per GA stage, in stage order
  std::vector<std::string> waiting_rows;  // labels of rows that wait on an unfinished GA stage
  bool complete() const;                  // nothing waits on a GA: expanding again adds no runs
};

// The fitness of a finished run (0 for one that failed), nullopt while it is not finished.
using FitnessOf = std::function<std::optional<double>(const std::string& run_id)>;

// `device` replaces base.device when not empty. `fitness_of` (none: nothing finished) decides how far
// GA stages get. Throws InputError (spec path + JSON path) for overrides the cfg rejects and for
// dependency cycles between rows.
Plan expand_spec(const Spec& spec, const std::string& device = "", const FitnessOf& fitness_of = {});

// Sorted keys, no whitespace, UTF-8 as is: the byte string a run id is the hash of.
std::string canonical_json(const nlohmann::json& j);
std::string run_id_of(const nlohmann::json& config);

// The value of a "data.key=value" / "schedule.key=value" override: a JSON number or boolean when it
// reads as one, else the string.
nlohmann::json option_value(const std::string& text);

}  // namespace ds
