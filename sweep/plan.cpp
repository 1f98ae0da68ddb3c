// Turning spec rows into resolved runs, in dependency order, so that a run's id can include the ids of
// the runs whose weights it starts from.
#include "sweep/plan.h"

#include <map>
#include <set>

#include "core/cfg/cfg.h"
#include "core/util/error.h"
#include "sweep/sha256.h"

namespace ds {
namespace {

using nlohmann::json;

// Overrides in application order: base, then each switch in the row's order, then the row's own.
std::vector<Override> row_overrides(const Spec& spec, const SpecRow& row) {
  std::vector<Override> out = spec.base_overrides;
  for (const auto& s : row.switches)
    for (const auto& o : spec.switches.at(s)) out.push_back(o);
  for (const auto& o : row.overrides) out.push_back(o);
  return out;
}

// Rows in an order where every row comes after the rows it depends on (init_from, stage `after`).
std::vector<size_t> row_order(const Spec& spec) {
  size_t n = spec.rows.size();
  std::vector<std::set<size_t>> needs(n);
  for (size_t i = 0; i < n; ++i) {
    const SpecRow& row = spec.rows[i];
    if (row.init_from) needs[i].insert(size_t(row.init_from->row));
    for (const auto& st : spec.stages) {
      if (st.name != row.stage) continue;
      for (const auto& a : st.after)
        for (size_t k = 0; k < n; ++k)
          if (spec.rows[k].stage == a) needs[i].insert(k);
    }
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
                                            "' is part of a dependency cycle (init_from and stage 'after' together)");
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

Plan expand_spec(const Spec& spec, const std::string& device) {
  Plan plan;
  plan.sweep = spec.name;
  Cfg base_cfg;
  try {
    base_cfg = parse_cfg_text(spec.cfg_text, spec.cfg_path);
  } catch (const InputError& e) {
    spec.fail("base.cfg", e.what());
  }
  // (row, seed, repeat) -> id, for init_from and stage dependencies.
  std::map<std::tuple<size_t, int, int>, std::string> id_of;
  std::map<std::string, std::vector<std::string>> ids_of_stage;
  std::set<std::string> seen;
  for (size_t r : row_order(spec)) {
    const SpecRow& row = spec.rows[r];
    Cfg cfg = base_cfg;
    json cfg_overrides = json::array(), data = spec.data, schedule = spec.schedule;
    for (const auto& o : row_overrides(spec, row)) {
      std::string section = o.text.substr(0, o.text.find('.'));
      std::string key = o.text.substr(section.size() + 1, o.text.find('=') - section.size() - 1);
      std::string value = o.text.substr(o.text.find('=') + 1);
      if (section == "data") {
        data[key] = option_value(value);
      } else if (section == "schedule") {
        schedule[key] = option_value(value);
      } else {
        try {
          apply_override(cfg, o.text);
        } catch (const InputError& e) {
          spec.fail(o.where, e.what());
        }
        cfg_overrides.push_back(o.text);
      }
    }
    json hooks = spec.test_hooks;
    hooks.update(row.test_hooks);
    double estimate = 0;
    try {
      estimate = estimate_cost(cfg, schedule);
    } catch (const InputError& e) {
      spec.fail(row.where, e.what());
    }
    for (int seed : spec.seeds) {
      for (int repeat = 0; repeat < spec.repeats; ++repeat) {
        ResolvedRun run;
        run.config = {
            {"cfg", {{"text", spec.cfg_text}, {"overrides", cfg_overrides}}},
            {"data", data},
            {"schedule", schedule},
            {"device", device.empty() ? spec.device : device},
            {"seed", seed},
            {"repeat", repeat},
            {"inputs", json::object()},
        };
        if (!hooks.empty()) run.config["test_hooks"] = hooks;
        for (const auto& st : spec.stages) {
          if (st.name != row.stage) continue;
          for (const auto& a : st.after)
            for (const auto& id : ids_of_stage[a]) run.deps.push_back(id);
        }
        if (row.init_from) {
          const std::string& from = id_of.at({size_t(row.init_from->row), seed, repeat});
          run.config["inputs"]["init_from"] = {{"run", from}, {"partial", row.init_from->partial}};
          run.deps.push_back(from);
        }
        run.canonical = canonical_json(run.config);
        run.id = sha256_hex(run.canonical);
        run.stage = row.stage;
        run.row_index = int(r);
        run.row_label = row.label;
        run.paper = row.paper;
        run.seed = seed;
        run.repeat = repeat;
        run.estimate = estimate;
        id_of[{r, seed, repeat}] = run.id;
        ids_of_stage[row.stage].push_back(run.id);
        if (seen.insert(run.id).second) plan.runs.push_back(std::move(run));
      }
    }
  }
  return plan;
}

}  // namespace ds
