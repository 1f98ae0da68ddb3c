// Turning spec rows into resolved runs, in dependency order, so that a run's id can include the ids of
// the runs whose weights it starts from.
#include "sweep/plan.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/cfg/cfg.h"
#include "core/util/error.h"
#include "sweep/sha256.h"

namespace ds {
namespace {

using nlohmann::json;

bool is_ga(const Spec& spec, const std::string& stage) { return spec.stage(stage).ga.has_value(); }

// GA stages whose result a row uses: its ga_from, and GA stages its stage comes after.
std::vector<std::string> ga_needs(const Spec& spec, const SpecRow& row) {
  std::vector<std::string> out;
  if (!row.ga_from.empty()) out.push_back(row.ga_from);
  for (const auto& a : spec.stage(row.stage).after)
    if (is_ga(spec, a)) out.push_back(a);
  return out;
}

// Rows whose runs a stage's runs depend on: those of the stages it comes after, through GA stages.
void rows_before_stage(const Spec& spec, const std::string& stage, std::set<size_t>& out) {
  for (const auto& a : spec.stage(stage).after) {
    if (is_ga(spec, a)) rows_before_stage(spec, a, out);
    for (size_t k = 0; k < spec.rows.size(); ++k)
      if (spec.rows[k].stage == a) out.insert(k);
  }
}

// Overrides in application order: base, then each switch in the row's order, then `extra` (a GA's
// genes), then the row's own.
std::vector<Override> row_overrides(const Spec& spec, const SpecRow& row, const std::vector<Override>& extra = {}) {
  std::vector<Override> out = spec.stage(row.stage).base.overrides;
  for (const auto& s : row.switches)
    for (const auto& o : spec.switches.at(s)) out.push_back(o);
  for (const auto& o : extra) out.push_back(o);
  for (const auto& o : row.overrides) out.push_back(o);
  return out;
}

// Rows in an order where every row comes after the rows it depends on (init_from, stage `after`, and
// the rows before a GA stage whose result it uses).
std::vector<size_t> row_order(const Spec& spec) {
  size_t n = spec.rows.size();
  std::vector<std::set<size_t>> needs(n);
  for (size_t i = 0; i < n; ++i) {
    const SpecRow& row = spec.rows[i];
    if (row.init_from) needs[i].insert(size_t(row.init_from->row));
    rows_before_stage(spec, row.stage, needs[i]);
    for (const auto& g : ga_needs(spec, row)) rows_before_stage(spec, g, needs[i]);
  }
  std::vector<size_t> order;
  std::vector<bool> placed(n, false);
  while (order.size() < n) {
    bool progress = false;
    for (size_t i = 0; i < n; ++i) {
      if (placed[i]) continue;
      bool ready = true;
      for (size_t k : needs[i]) ready = ready && placed[k];
      if (!ready) continue;
      placed[i] = true;
      order.push_back(i);
      progress = true;
    }
    if (!progress) {
      for (size_t i = 0; i < n; ++i)
        if (!placed[i])
          spec.fail(spec.rows[i].where, "row '" + spec.rows[i].label +
                                            "' is part of a dependency cycle (init_from, ga_from and stage 'after' together)");
    }
  }
  return order;
}

double estimate_cost(const Cfg& cfg, const json& schedule) {
  const CfgSection& net = cfg.net();
  double iterations = schedule.contains("max_batches") && schedule["max_batches"].is_number()
                          ? schedule["max_batches"].get<double>()
                          : double(net.get_int("max_batches", 0));
  return iterations * net.get_int("batch", 1) * net.get_int("width", 416) * net.get_int("height", 416) / 1e6;
}

}  // namespace

std::string canonical_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::strict); }

std::string run_id_of(const json& config) { return sha256_hex(canonical_json(config)); }

json option_value(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  try {
    size_t used = 0;
    long long i = std::stoll(text, &used);
    if (used == text.size()) return i;
    double d = std::stod(text, &used);
    if (used == text.size()) return d;
  } catch (const std::exception&) {
  }
  return text;
}

namespace {

// One expansion: rows in dependency order, each GA stage resolved (as far as the fitnesses go) when
// the first row that needs it comes, or at the end.
class Expander {
 public:
  Expander(const Spec& spec, const std::string& device, const FitnessOf& fitness_of)
      : spec_(spec), device_(device.empty() ? spec.device : device), fitness_of_(fitness_of) {
    if (spec.precision != "fp32" && device_ != "cuda")
      spec.fail("base.precision", "precision '" + spec.precision + "' needs device 'cuda' (the CPU computes in fp32)");
    for (const auto& st : spec.stages) {
      try {
        base_cfg_[st.name] = parse_cfg_text(st.base.cfg_text, st.base.cfg_path);
      } catch (const InputError& e) {
        spec.fail(st.base.where + ".cfg", e.what());
      }
    }
  }

  Plan run() {
    plan_.sweep = spec_.name;
    for (size_t r : row_order(spec_)) add_row(r);
    for (const auto& st : spec_.stages)
      if (st.ga) plan_.ga.push_back(*ga(st.name));
    return std::move(plan_);
  }

 private:
  // A row's (or individual's) config before seed and repeat: what its overrides make of the base.
  struct Config {
    Cfg cfg;
    json cfg_overrides = json::array(), data, schedule, hooks;
    double estimate = 0;
    int processes = 1;
  };

  // The row's "processes" (else its stage's), checked against what `sweep train --data-parallel` accepts.
  int processes(const SpecRow& row, const Cfg& cfg) const {
    const SpecStage& st = spec_.stage(row.stage);
    const int k = row.processes > 0 ? row.processes : st.processes;
    if (k == 1) return k;
    const std::string& where = row.processes > 0 ? row.processes_where : st.processes_where;
    const std::string what = "processes " + std::to_string(k) + ": ";
    const int subdivisions = cfg.net().get_int("subdivisions", 1);
    if (subdivisions % k != 0)
      spec_.fail(where, what + "must divide [net] subdivisions (each process trains subdivisions/K of every batch's "
                               "mini-batches); row '" + row.label + "' has subdivisions=" + std::to_string(subdivisions));
    return k;
  }

  Config configure(const SpecRow& row, const std::vector<Override>& overrides) const {
    const RunBase& base = spec_.stage(row.stage).base;
    Config c{base_cfg_.at(row.stage), json::array(), base.data, base.schedule, spec_.test_hooks, 0};
    for (const auto& o : overrides) {
      std::string section = o.text.substr(0, o.text.find('.'));
      std::string key = o.text.substr(section.size() + 1, o.text.find('=') - section.size() - 1);
      std::string value = o.text.substr(o.text.find('=') + 1);
      if (section == "data") {
        c.data[key] = option_value(value);
      } else if (section == "schedule") {
        c.schedule[key] = option_value(value);
      } else {
        try {
          apply_override(c.cfg, o.text);
        } catch (const InputError& e) {
          spec_.fail(o.where, e.what());
        }
        c.cfg_overrides.push_back(o.text);
      }
    }
    c.hooks.update(row.test_hooks);
    try {
      c.estimate = estimate_cost(c.cfg, c.schedule);
    } catch (const InputError& e) {
      spec_.fail(row.where, e.what());
    }
    c.processes = processes(row, c.cfg);
    return c;
  }

  // Runs a run of `stage` waits for: all runs of the stages it comes after; of a GA stage, its best.
  std::vector<std::string> stage_deps(const std::string& stage) {
    std::vector<std::string> out;
    for (const auto& a : spec_.stage(stage).after) {
      if (is_ga(spec_, a)) {
        out.push_back(ga(a)->best->run);
      } else {
        for (const auto& id : ids_of_stage_[a]) out.push_back(id);
      }
    }
    return out;
  }

  // Can runs of this stage be made yet? Not while a stage it comes after waits on a GA.
  bool stage_ready(const std::string& stage) {
    for (const auto& a : spec_.stage(stage).after)
      if (waiting_stage_.count(a) || (is_ga(spec_, a) && !ga(a)->complete)) return false;
    return true;
  }

  ResolvedRun make_run(const SpecRow& row, const Config& c, int row_index, int seed, int repeat, json inputs,
                       std::vector<std::string> deps) {
    ResolvedRun run;
    run.config = {
        {"cfg", {{"text", spec_.stage(row.stage).base.cfg_text}, {"overrides", c.cfg_overrides}}},
        {"data", c.data},
        {"schedule", c.schedule},
        {"device", device_},
        {"seed", seed},
        {"repeat", repeat},
        {"inputs", std::move(inputs)},
    };
    if (!c.hooks.empty()) run.config["test_hooks"] = c.hooks;
    if (spec_.precision != "fp32") run.config["precision"] = spec_.precision;  // fp32 runs keep their ids
    run.canonical = canonical_json(run.config);
    run.id = sha256_hex(run.canonical);
    run.stage = row.stage;
    run.row_index = row_index;
    run.row_label = row.label;
    run.where = row.where;
    run.seed = seed;
    run.repeat = repeat;
    run.deps = std::move(deps);
    run.estimate = c.estimate;
    run.processes = c.processes;
    return run;
  }

  void add(ResolvedRun run) {
    ids_of_stage_[run.stage].push_back(run.id);
    if (seen_.insert(run.id).second) plan_.runs.push_back(std::move(run));
  }

  void add_row(size_t r) {
    const SpecRow& row = spec_.rows[r];
    // The row's overrides are checked even while the genes it will get are not known yet.
    std::vector<Override> genes;
    bool ready = stage_ready(row.stage) && !(row.init_from && waiting_row_.count(size_t(row.init_from->row)));
    if (!row.ga_from.empty()) {
      const GaProgress* g = ga(row.ga_from);
      ready = ready && g->complete;
      if (g->complete)
        for (const auto& o : g->best->overrides) genes.push_back({o, row.where + ".ga_from"});
    }
    Config c = configure(row, row_overrides(spec_, row, genes));
    if (!ready) {
      waiting_row_.insert(r);
      waiting_stage_.insert(row.stage);
      plan_.waiting_rows.push_back(row.label);
      return;
    }
    for (int seed : spec_.seeds) {
      for (int repeat = 0; repeat < spec_.repeats; ++repeat) {
        std::vector<std::string> deps = stage_deps(row.stage);
        json inputs = json::object();
        if (row.init_from) {
          const std::string& from = id_of_.at({size_t(row.init_from->row), seed, repeat});
          inputs["init_from"] = {{"run", from}, {"partial", row.init_from->partial}};
          deps.push_back(from);
        }
        if (!row.ga_from.empty() && std::find(deps.begin(), deps.end(), ga(row.ga_from)->best->run) == deps.end())
          deps.push_back(ga(row.ga_from)->best->run);
        ResolvedRun run = make_run(row, c, int(r), seed, repeat, inputs, deps);
        run.paper = row.paper;
        id_of_[{r, seed, repeat}] = run.id;
        add(std::move(run));
      }
    }
  }

  // The GA stage's progress, made on first use: generation after generation while every member's
  // fitness is known. Individuals train with the first seed, repeat 0.
  const GaProgress* ga(const std::string& name) {
    if (auto it = ga_.find(name); it != ga_.end()) return &it->second;
    const SpecStage& st = spec_.stage(name);
    const GaSpec& spec = *st.ga;
    GaProgress& p = ga_[name];
    p.stage = name;
    // Validated with the genes at their bounds, before anything depends on the stage being ready.
    Config base = configure(st.individual, row_overrides(spec_, st.individual));
    for (double bound : {0, 1}) {
      std::vector<Override> genes;
      for (const auto& g : spec.genes) genes.push_back({gene_override(g, bound ? g.hi : g.lo), g.where});
      configure(st.individual, row_overrides(spec_, st.individual, genes));
    }
    if (!stage_ready(name)) return &p;
    double base_batches = base.schedule.contains("max_batches") && base.schedule["max_batches"].is_number()
                              ? base.schedule["max_batches"].get<double>()
                              : double(base.cfg.net().get_int("max_batches", 0));
    const long long batches = std::max(1LL, std::llround(spec.fraction * base_batches));
    std::vector<std::string> deps = stage_deps(name);
    std::vector<GaMember> members = first_generation(spec);
    std::optional<GaIndividual> best;
    for (int gen = 0; gen < spec.generations; ++gen) {
      GaGeneration generation;
      std::vector<double> fitness;
      for (size_t i = 0; i < members.size(); ++i) {
        const GaMember& m = members[i];
        GaIndividual ind;
        ind.generation = gen;
        ind.index = int(i);
        ind.carried_from = m.carried_from;
        std::vector<Override> genes;
        for (size_t k = 0; k < spec.genes.size(); ++k) {
          genes.push_back({gene_override(spec.genes[k], m.genes[k]), spec.genes[k].where});
          ind.overrides.push_back(genes.back().text);
        }
        if (m.carried_from >= 0) {
          ind.run = p.generations.back().members[size_t(m.carried_from)].run;  // an elite is not trained again
        } else {
          Config c = configure(st.individual, row_overrides(spec_, st.individual, genes));
          c.schedule["max_batches"] = batches;
          SpecRow row = st.individual;
          row.label = name + " g" + std::to_string(gen) + " #" + std::to_string(i);
          ResolvedRun run = make_run(row, c, -1, spec_.seeds.front(), 0,
                                     {{"ga", {{"generation", gen}, {"individual", int(i)}}}}, deps);
          ind.run = run.id;
          add(std::move(run));
        }
        if (fitness_of_) ind.fitness = fitness_of_(ind.run);
        fitness.push_back(ind.fitness.value_or(0));
        generation.members.push_back(ind);
      }
      bool evaluated = std::all_of(generation.members.begin(), generation.members.end(),
                                   [](const GaIndividual& m) { return m.fitness.has_value(); });
      if (evaluated) {
        for (const auto& m : generation.members)
          if (!best || *m.fitness > *best->fitness) best = m;
        generation.best_so_far = best;
      }
      p.generations.push_back(generation);
      if (!evaluated) return &p;
      if (gen + 1 < spec.generations) members = next_generation(spec, gen + 1, members, fitness);
    }
    p.complete = true;
    p.best = best;
    return &p;
  }

  const Spec& spec_;
  std::string device_;
  const FitnessOf& fitness_of_;
  std::map<std::string, Cfg> base_cfg_;  // per stage
  Plan plan_;
  std::map<std::tuple<size_t, int, int>, std::string> id_of_;  // (row, seed, repeat) -> id, for init_from
  std::map<std::string, std::vector<std::string>> ids_of_stage_;
  std::set<std::string> seen_;
  std::set<size_t> waiting_row_;
  std::set<std::string> waiting_stage_;
  std::map<std::string, GaProgress> ga_;
};

}  // namespace

bool Plan::complete() const {
  return waiting_rows.empty() && std::all_of(ga.begin(), ga.end(), [](const GaProgress& g) { return g.complete; });
}

Plan expand_spec(const Spec& spec, const std::string& device, const FitnessOf& fitness_of) {
  return Expander(spec, device, fitness_of).run();
}

}  // namespace ds
