// Expansion of a Spec into resolved runs: one canonical config per (row, seed, repeat), its content-hashed
// id, its dependencies on other runs, and a cost estimate for longest-first scheduling.
#pragma once
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
  std::optional<PaperRef> paper;
  int seed = 0;
  int repeat = 0;
  std::vector<std::string> deps;  // ids of runs that must be done first (stage order, init_from)
  double estimate = 0;            // relative cost: iterations x batch x width x height / 1e6
};

struct Plan {
  std::string sweep;
  std::vector<ResolvedRun> runs;  // dependencies before dependants; no id twice
};

// `device` replaces base.device when not empty. Throws InputError (spec path + JSON path) for overrides
// the cfg rejects and for dependency cycles between rows.
Plan expand_spec(const Spec& spec, const std::string& device = "");

// Sorted keys, no whitespace, UTF-8 as is: the byte string a run id is the hash of.
std::string canonical_json(const nlohmann::json& j);
std::string run_id_of(const nlohmann::json& config);

// The value of a "data.key=value" / "schedule.key=value" override: a JSON number or boolean when it
// reads as one, else the string.
nlohmann::json option_value(const std::string& text);

}  // namespace ds
