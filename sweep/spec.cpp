// Validating a sweep spec's JSON into a Spec: strict keys and types, references between switches,
// stages and rows checked, every error pointing at the JSON path (and line:column) it concerns.
#include "sweep/spec.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/nn/accelerator.h"
#include "core/util/error.h"

namespace ds {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

std::string type_name(const json& j) {
  if (j.is_number_integer()) return "integer";
  if (j.is_number()) return "number";
  return j.type_name();
}

// Reads one value at a time, failing through Spec::fail so every message carries the path.
class Reader {
 public:
  explicit Reader(const Spec& spec) : spec_(spec) {}

  void object(const json& j, const std::string& path, const std::vector<std::string>& keys) const {
    if (!j.is_object()) spec_.fail(path, "expected an object, got " + type_name(j));
    for (const auto& [key, value] : j.items()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        spec_.fail(json_child(path, key), "unknown key '" + key + "'; known: " + join(keys));
    }
  }
  std::string string(const json& j, const std::string& path) const {
    if (!j.is_string()) spec_.fail(path, "expected a string, got " + type_name(j));
    return j.get<std::string>();
  }
  int integer(const json& j, const std::string& path, int min) const {
    if (!j.is_number_integer()) spec_.fail(path, "expected an integer, got " + type_name(j));
    auto v = j.get<long long>();
    if (v < min || v > 1'000'000'000) spec_.fail(path, "expected an integer >= " + std::to_string(min));
    return int(v);
  }
  double number(const json& j, const std::string& path) const {
    if (!j.is_number()) spec_.fail(path, "expected a number, got " + type_name(j));
    return j.get<double>();
  }
  std::vector<std::string> strings(const json& j, const std::string& path) const {
    if (!j.is_array()) spec_.fail(path, "expected an array of strings, got " + type_name(j));
    std::vector<std::string> out;
    for (size_t i = 0; i < j.size(); ++i) out.push_back(string(j[i], json_index(path, i)));
    return out;
  }
  std::vector<Override> overrides(const json& j, const std::string& path) const {
    auto texts = strings(j, path);
    std::vector<Override> out;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::string where = json_index(path, i);
      const std::string& t = texts[i];
      const auto close = t.find(']');  // past a section filter "TYPE[key=value]"
      auto dot = t.find('.', close == std::string::npos ? 0 : close), eq = t.find('=', dot);
      if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 >= eq)
        spec_.fail(where, "override '" + t + "' must look like 'SECTION.key=value' (cfg: net, yolo, 3, ...), "
                          "'data.key=value' or 'schedule.key=value'");
      out.push_back({t, where});
    }
    return out;
  }
  // An object of scalar options (data, schedule).
  json scalars(const json& j, const std::string& path) const {
    if (!j.is_object()) spec_.fail(path, "expected an object, got " + type_name(j));
    for (const auto& [key, value] : j.items()) {
      if (!(value.is_primitive() && !value.is_null()))
        spec_.fail(json_child(path, key), "expected a string, number or boolean, got " + type_name(value));
    }
    return j;
  }
  void known(const std::string& name, const std::vector<std::string>& names, const std::string& path,
             const std::string& what) const {
    if (std::find(names.begin(), names.end(), name) == names.end())
      spec_.fail(path, "unknown " + what + " '" + name + "'; known: " + join(names));
  }

 private:
  const Spec& spec_;
};

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(what + ": cannot read '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> stage_names(const Spec& spec) {
  std::vector<std::string> out;
  for (const auto& s : spec.stages) out.push_back(s.name);
  return out;
}

std::string param_names(const Spec& spec) {
  std::vector<std::string> names;
  for (const auto& [name, value] : spec.params) names.push_back(name);
  return join(names);
}

// `text` with every ${NAME} replaced by the spec's parameter NAME (docs/spec.md, "params"); `path` is
// the JSON path of the string, for the error an unknown or unterminated ${...} is.
std::string substitute_params(const std::string& text, const std::string& path, const Spec& spec) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t open = text.find("${", i);
    if (open == std::string::npos) return out + text.substr(i);
    size_t close = text.find('}', open);
    if (close == std::string::npos) spec.fail(path, "'${' without a closing '}' in '" + text + "'");
    std::string name = text.substr(open + 2, close - open - 2);
    auto it = spec.params.find(name);
    if (it == spec.params.end())
      spec.fail(path, "unknown parameter '${" + name + "}'; known (top-level \"params\"): " + param_names(spec));
    out += text.substr(i, open - i) + it->second;
    i = close + 1;
  }
  return out;
}

// The top-level "params" object of string defaults, then the caller's NAME=VALUE replacements.
void read_params(const Reader& r, const json& j, const std::map<std::string, std::string>& given, Spec& spec) {
  if (j.contains("params")) {
    if (!j["params"].is_object()) spec.fail("params", "expected an object of NAME: \"default\", got " + type_name(j["params"]));
    for (const auto& [name, value] : j["params"].items()) spec.params[name] = r.string(value, json_child("params", name));
  }
  for (const auto& [name, value] : given) {
    if (!spec.params.count(name))
      spec.fail("params", "--param " + name + "=" + value + ": the spec has no parameter '" + name + "'; known: " +
                              param_names(spec));
    spec.params[name] = value;
  }
}

// The keys a top-level or stage `base` shares (cfg, overrides, data, schedule), read over `b`.
// ${NAME} parameters are substituted in the cfg path and in the data object's strings.
void read_run_base(const Reader& r, const json& j, const std::string& path, const Spec& spec, RunBase& b) {
  if (j.contains("cfg")) {
    b.cfg_path = substitute_params(r.string(j["cfg"], path + ".cfg"), path + ".cfg", spec);
    b.where = path;
    std::string full = b.cfg_path.starts_with("/") ? b.cfg_path : spec.dir + "/" + b.cfg_path;
    std::ifstream in(full, std::ios::binary);
    if (!in) spec.fail(path + ".cfg", "cannot read the cfg '" + full + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    b.cfg_text = ss.str();
  }
  if (j.contains("overrides")) b.overrides = r.overrides(j["overrides"], path + ".overrides");
  if (j.contains("data")) {
    json data = r.scalars(j["data"], path + ".data");
    for (auto& [key, value] : data.items())
      if (value.is_string()) value = substitute_params(value.get<std::string>(), json_child(path + ".data", key), spec);
    b.data.update(data);
  }
  if (j.contains("schedule")) b.schedule.update(r.scalars(j["schedule"], path + ".schedule"));
}

void read_base(const Reader& r, const json& j, Spec& spec) {
  r.object(j, "base", {"cfg", "overrides", "data", "schedule", "device", "precision", "test_hooks"});
  if (!j.contains("cfg")) spec.fail("base", "missing key 'cfg' (the network .cfg, relative to the spec file)");
  read_run_base(r, j, "base", spec, spec.base);
  if (j.contains("test_hooks")) {
    if (!j["test_hooks"].is_object()) spec.fail("base.test_hooks", "expected an object");
    spec.test_hooks = j["test_hooks"];
  }
  if (j.contains("device")) {
    spec.device = r.string(j["device"], "base.device");
    if (spec.device != "cpu" && spec.device != "cuda") spec.fail("base.device", "expected 'cpu' or 'cuda'");
  }
  if (j.contains("precision")) {
    spec.precision = r.string(j["precision"], "base.precision");
    if (!is_precision_name(spec.precision))
      spec.fail("base.precision", "expected 'fp32', 'tf32' or 'mixed'");
  }
}

// "processes": how many processes (and slots) each run trains on, data-parallel (docs/spec.md).
int read_processes(const Reader& r, const json& j, const std::string& path, const Spec& spec) {
  int k = r.integer(j, path, 1);
  if (k > kMaxProcesses) spec.fail(path, "expected an integer from 1 to " + std::to_string(kMaxProcesses) + ", got " + std::to_string(k));
  return k;
}

void read_stages(const Reader& r, const json& j, Spec& spec) {
  if (!j.is_array()) spec.fail("stages", "expected an array of stages, got " + type_name(j));
  for (size_t i = 0; i < j.size(); ++i) {
    std::string path = json_index("stages", i);
    r.object(j[i], path, {"name", "after", "base", "ga", "processes"});
    if (!j[i].contains("name")) spec.fail(path, "missing key 'name'");
    SpecStage st;
    st.name = r.string(j[i]["name"], path + ".name");
    st.base = spec.base;
    if (j[i].contains("base")) {
      r.object(j[i]["base"], path + ".base", {"cfg", "overrides", "data", "schedule"});
      read_run_base(r, j[i]["base"], path + ".base", spec, st.base);
    }
    for (const auto& s : spec.stages)
      if (s.name == st.name) spec.fail(path + ".name", "duplicate stage '" + st.name + "'");
    if (j[i].contains("after")) st.after = r.strings(j[i]["after"], path + ".after");
    if (j[i].contains("processes")) {
      st.processes_where = path + ".processes";
      st.processes = read_processes(r, j[i]["processes"], st.processes_where, spec);
    }
    spec.stages.push_back(st);
  }
  auto names = stage_names(spec);
  for (size_t i = 0; i < spec.stages.size(); ++i)
    for (size_t k = 0; k < spec.stages[i].after.size(); ++k)
      r.known(spec.stages[i].after[k], names, json_index(json_index("stages", i) + ".after", k), "stage");
  // A cycle among stages would leave every stage in it waiting forever.
  std::map<std::string, int> mark;  // 0 unvisited, 1 on the path, 2 finished
  std::function<void(const SpecStage&, const std::string&)> visit = [&](const SpecStage& s, const std::string& via) {
    if (mark[s.name] == 2) return;
    if (mark[s.name] == 1) spec.fail("stages", "stage dependencies form a cycle through '" + s.name + "' (" + via + ")");
    mark[s.name] = 1;
    for (const auto& a : s.after)
      for (const auto& t : spec.stages)
        if (t.name == a) visit(t, via + " -> " + a);
    mark[s.name] = 2;
  };
  for (const auto& s : spec.stages) visit(s, s.name);
}

void read_switch_list(const Reader& r, const json& j, const std::string& path, const Spec& spec,
                      std::vector<std::string>& out);

// A stage's "ga" object (docs/spec.md, "GA stages"); switches must be known already.
void read_ga(const Reader& r, const json& j, size_t index, Spec& spec) {
  SpecStage& st = spec.stages[index];
  std::string path = json_index("stages", index) + ".ga";
  r.object(j, path, {"population", "generations", "seed", "fraction", "elite", "tournament", "sigma", "genes",
                     "switches", "overrides"});
  for (const char* key : {"population", "generations", "seed", "genes"})
    if (!j.contains(key)) spec.fail(path, std::string("missing key '") + key + "'");
  GaSpec ga;
  ga.population = r.integer(j["population"], path + ".population", 2);
  ga.generations = r.integer(j["generations"], path + ".generations", 1);
  if (double(ga.population) * ga.generations > double(kMaxSpecRuns))
    spec.fail(path, "population x generations is more than " + std::to_string(kMaxSpecRuns) + " runs");
  ga.seed = uint64_t(r.integer(j["seed"], path + ".seed", 0));
  if (j.contains("fraction")) {
    ga.fraction = r.number(j["fraction"], path + ".fraction");
    if (!(ga.fraction > 0 && ga.fraction <= 1)) spec.fail(path + ".fraction", "expected a number in (0, 1]");
  }
  if (j.contains("elite")) {
    ga.elite = r.integer(j["elite"], path + ".elite", 0);
    if (ga.elite >= ga.population) spec.fail(path + ".elite", "must be smaller than the population");
  }
  if (j.contains("tournament")) ga.tournament = r.integer(j["tournament"], path + ".tournament", 1);
  if (j.contains("sigma")) {
    ga.sigma = r.number(j["sigma"], path + ".sigma");
    if (!(ga.sigma >= 0 && ga.sigma <= 10)) spec.fail(path + ".sigma", "expected a number in [0, 10]");
  }
  const json& genes = j["genes"];
  if (!genes.is_array() || genes.empty()) spec.fail(path + ".genes", "expected a non-empty array of genes");
  for (size_t i = 0; i < genes.size(); ++i) {
    std::string gp = json_index(path + ".genes", i);
    r.object(genes[i], gp, {"key", "range", "scale"});
    if (!genes[i].contains("key") || !genes[i].contains("range")) spec.fail(gp, "needs 'key' and 'range' (and optionally 'scale')");
    GaGene g;
    g.where = gp;
    g.key = r.string(genes[i]["key"], gp + ".key");
    const auto close = g.key.find(']');  // past a section filter "TYPE[key=value]", as in overrides
    auto dot = g.key.find('.', close == std::string::npos ? 0 : close);
    if (dot == std::string::npos || dot == 0 || dot + 1 == g.key.size() || g.key.find('=', dot) != std::string::npos)
      spec.fail(gp + ".key", "gene key '" + g.key + "' must look like 'SECTION.key' (net.momentum, yolo.iou_thresh, data.jitter)");
    if (g.key.starts_with("schedule."))
      spec.fail(gp + ".key", "schedule options cannot be genes (the GA sets the individuals' max_batches)");
    for (const auto& other : ga.genes)
      if (other.key == g.key) spec.fail(gp + ".key", "duplicate gene '" + g.key + "'");
    const json& range = genes[i]["range"];
    if (!range.is_array() || range.size() != 2) spec.fail(gp + ".range", "expected [lo, hi]");
    g.lo = r.number(range[0], json_index(gp + ".range", 0));
    g.hi = r.number(range[1], json_index(gp + ".range", 1));
    if (!(g.lo < g.hi)) spec.fail(gp + ".range", "lo must be smaller than hi");
    std::string scale = genes[i].contains("scale") ? r.string(genes[i]["scale"], gp + ".scale") : "linear";
    if (scale != "linear" && scale != "log") spec.fail(gp + ".scale", "expected 'linear' or 'log'");
    g.log = scale == "log";
    if (g.log && !(g.lo > 0)) spec.fail(gp + ".range", "a log-scale gene needs lo > 0");
    ga.genes.push_back(g);
  }
  st.individual.where = path;
  st.individual.label = st.name;
  st.individual.stage = st.name;
  if (j.contains("switches")) read_switch_list(r, j["switches"], path + ".switches", spec, st.individual.switches);
  if (j.contains("overrides")) st.individual.overrides = r.overrides(j["overrides"], path + ".overrides");
  st.ga = ga;
}

// A row's "ga_from": the name of a GA stage.
void read_ga_from(const Reader& r, const json& j, const std::string& path, Spec& spec, SpecRow& row) {
  if (!j.contains("ga_from")) return;
  row.ga_from = r.string(j["ga_from"], path + ".ga_from");
  std::vector<std::string> ga_stages;
  for (const auto& st : spec.stages)
    if (st.ga) ga_stages.push_back(st.name);
  r.known(row.ga_from, ga_stages, path + ".ga_from", "GA stage");
}

void read_switch_list(const Reader& r, const json& j, const std::string& path, const Spec& spec,
                      std::vector<std::string>& out) {
  out = r.strings(j, path);
  for (size_t i = 0; i < out.size(); ++i) r.known(out[i], spec.switch_names, json_index(path, i), "switch");
}

void read_row_fields(const Reader& r, const json& j, const std::string& path, Spec& spec, SpecRow& row) {
  if (j.contains("stage")) {
    row.stage = r.string(j["stage"], path + ".stage");
    r.known(row.stage, stage_names(spec), path + ".stage", "stage");
  } else {
    row.stage = spec.stages.front().name;
  }
  for (const auto& st : spec.stages)
    if (st.name == row.stage && st.ga)
      spec.fail(j.contains("stage") ? path + ".stage" : path,
                "stage '" + row.stage + "' is a GA stage: its runs are its individuals, rows cannot belong to it" +
                    (j.contains("stage") ? "" : " (a row without 'stage' belongs to the first stage)"));
  read_ga_from(r, j, path, spec, row);
  if (j.contains("overrides")) row.overrides = r.overrides(j["overrides"], path + ".overrides");
  if (j.contains("test_hooks")) {
    if (!j["test_hooks"].is_object()) spec.fail(path + ".test_hooks", "expected an object");
    row.test_hooks = j["test_hooks"];
  }
  if (j.contains("processes")) {
    row.processes_where = path + ".processes";
    row.processes = read_processes(r, j["processes"], row.processes_where, spec);
  }
}

SpecRow read_row(const Reader& r, const json& j, size_t index, Spec& spec) {
  std::string path = json_index("rows", index);
  r.object(j, path, {"name", "switches", "overrides", "paper", "stage", "init_from", "ga_from", "test_hooks", "processes"});
  SpecRow row;
  row.where = path;
  row.label = j.contains("name") ? r.string(j["name"], path + ".name") : path;
  if (j.contains("switches")) read_switch_list(r, j["switches"], path + ".switches", spec, row.switches);
  read_row_fields(r, j, path, spec, row);
  if (j.contains("paper")) {
    const json& p = j["paper"];
    r.object(p, path + ".paper", {"table", "row"});
    if (!p.contains("table") || !p.contains("row")) spec.fail(path + ".paper", "needs both 'table' and 'row'");
    row.paper = PaperRef{r.string(p["table"], path + ".paper.table"), r.integer(p["row"], path + ".paper.row", 0)};
  }
  if (j.contains("init_from")) {
    const json& f = j["init_from"];
    std::string fp = path + ".init_from";
    r.object(f, fp, {"stage", "row", "partial"});
    if (!f.contains("stage") || !f.contains("row")) spec.fail(fp, "needs 'stage' and 'row' (and optionally 'partial')");
    InitFrom init;
    init.stage = r.string(f["stage"], fp + ".stage");
    r.known(init.stage, stage_names(spec), fp + ".stage", "stage");
    init.row = r.integer(f["row"], fp + ".row", 0);
    if (f.contains("partial")) init.partial = r.integer(f["partial"], fp + ".partial", 0);
    row.init_from = init;
  }
  return row;
}

// A grid: the cartesian product of switch groups; each group lists alternatives, "" meaning "none".
void read_grid(const Reader& r, const json& j, size_t index, Spec& spec) {
  std::string path = json_index("grids", index);
  r.object(j, path, {"name", "groups", "overrides", "stage", "ga_from", "test_hooks", "processes"});
  if (!j.contains("groups")) spec.fail(path, "missing key 'groups' (a list of switch alternatives per axis)");
  const json& g = j["groups"];
  if (!g.is_array() || g.empty()) spec.fail(path + ".groups", "expected a non-empty array of arrays");
  std::vector<std::vector<std::string>> groups;
  for (size_t a = 0; a < g.size(); ++a) {
    std::string gp = json_index(path + ".groups", a);
    auto alts = r.strings(g[a], gp);
    if (alts.empty()) spec.fail(gp, "a group needs at least one alternative");
    for (size_t k = 0; k < alts.size(); ++k)
      if (!alts[k].empty()) r.known(alts[k], spec.switch_names, json_index(gp, k), "switch");
    groups.push_back(alts);
  }
  // Counted before any row exists: a grid of 20 axes of 10 alternatives must not allocate 10^20 rows.
  size_t product = 1;
  for (const auto& alts : groups) {
    product *= alts.size();
    if (product + spec.rows.size() > kMaxSpecRuns)
      spec.fail(path + ".groups", "the grid has more than " + std::to_string(kMaxSpecRuns) +
                                      " rows with the rows before it (the limit of one spec)");
  }
  SpecRow proto;
  proto.where = path;
  std::string name = j.contains("name") ? r.string(j["name"], path + ".name") : path;
  read_row_fields(r, j, path, spec, proto);
  std::vector<size_t> pick(groups.size(), 0);
  for (size_t n = 0;; ++n) {
    SpecRow row = proto;
    row.label = name + "#" + std::to_string(n);
    for (size_t a = 0; a < groups.size(); ++a)
      if (!groups[a][pick[a]].empty()) row.switches.push_back(groups[a][pick[a]]);
    spec.rows.push_back(row);
    size_t a = groups.size();  // the last group varies fastest
    while (a > 0 && ++pick[a - 1] == groups[a - 1].size()) pick[--a] = 0;
    if (a == 0) break;
  }
}

}  // namespace

void Spec::fail(const std::string& json_path, const std::string& message) const {
  auto it = positions.of_path.find(json_path);
  std::string where = path;
  if (it != positions.of_path.end())
    where += ":" + std::to_string(it->second.line) + ":" + std::to_string(it->second.column);
  throw InputError(where + ": " + (json_path.empty() ? "" : json_path + ": ") + message);
}

const SpecStage& Spec::stage(const std::string& name) const {
  for (const auto& st : stages)
    if (st.name == name) return st;
  throw std::logic_error("no stage " + name);
}

Spec load_spec(const std::string& path, const std::map<std::string, std::string>& params) {
  return parse_spec(read_file(path, "sweep spec"), path, params);
}

Spec parse_spec(const std::string& text, const std::string& path, const std::map<std::string, std::string>& params) {
  Spec spec;
  spec.path = path;
  spec.raw_text = text;
  auto slash = path.rfind('/');
  spec.dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    JsonPosition p = position_of_offset(text, e.byte > 0 ? e.byte - 1 : 0);
    throw InputError(path + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) +
                     ": not valid JSON: " + e.what());
  } catch (const json::exception& e) {  // out_of_range: a number too large for a double, such as 1e999
    throw InputError(path + ": not valid JSON: " + e.what());
  }
  spec.positions = scan_json_positions(text);
  if (!spec.positions.duplicate_key_path.empty())
    spec.fail(spec.positions.duplicate_key_path, "duplicate key (JSON objects keep only one of them)");
  Reader r(spec);
  r.object(j, "", {"name", "description", "params", "base", "switches", "rows", "grids", "seeds", "repeats", "stages"});
  if (!j.contains("name")) spec.fail("", "missing key 'name'");
  spec.name = r.string(j["name"], "name");
  if (spec.name.empty()) spec.fail("name", "must not be empty");
  if (j.contains("description")) spec.description = r.string(j["description"], "description");
  read_params(r, j, params, spec);
  if (!j.contains("base")) spec.fail("", "missing key 'base'");
  read_base(r, j["base"], spec);
  if (j.contains("switches")) {
    if (!j["switches"].is_object())
      spec.fail("switches", "expected an object of NAME: [override, ...], got " + type_name(j["switches"]));
    for (const auto& [name, value] : j["switches"].items()) {
      spec.switch_names.push_back(name);
      spec.switches[name] = r.overrides(value, json_child("switches", name));
    }
  }
  if (j.contains("stages")) read_stages(r, j["stages"], spec);
  if (spec.stages.empty()) spec.stages.push_back({"main", spec.base, {}, std::nullopt, {}, 1, {}});
  for (size_t i = 0; i < spec.stages.size(); ++i)
    if (j.contains("stages") && j["stages"][i].contains("ga")) read_ga(r, j["stages"][i]["ga"], i, spec);
  if (j.contains("seeds")) {
    const json& s = j["seeds"];
    if (!s.is_array() || s.empty()) spec.fail("seeds", "expected a non-empty array of integers");
    spec.seeds.clear();
    for (size_t i = 0; i < s.size(); ++i) spec.seeds.push_back(r.integer(s[i], json_index("seeds", i), 0));
  }
  if (j.contains("repeats")) spec.repeats = r.integer(j["repeats"], "repeats", 1);
  if (spec.seeds.size() > kMaxSpecRuns) spec.fail("seeds", "more than " + std::to_string(kMaxSpecRuns) + " seeds");
  if (size_t(spec.repeats) > kMaxSpecRuns) spec.fail("repeats", "more than " + std::to_string(kMaxSpecRuns));
  if (j.contains("rows")) {
    if (!j["rows"].is_array()) spec.fail("rows", "expected an array of rows, got " + type_name(j["rows"]));
    if (j["rows"].size() > kMaxSpecRuns)
      spec.fail("rows", std::to_string(j["rows"].size()) + " rows: more than the limit of one spec, " +
                            std::to_string(kMaxSpecRuns) + " (split the sweep)");
    for (size_t i = 0; i < j["rows"].size(); ++i) spec.rows.push_back(read_row(r, j["rows"][i], i, spec));
  }
  spec.explicit_rows = spec.rows.size();
  if (j.contains("grids")) {
    if (!j["grids"].is_array()) spec.fail("grids", "expected an array of grids, got " + type_name(j["grids"]));
    for (size_t i = 0; i < j["grids"].size(); ++i) read_grid(r, j["grids"][i], i, spec);
  }
  bool has_ga = std::any_of(spec.stages.begin(), spec.stages.end(), [](const SpecStage& s) { return s.ga.has_value(); });
  if (spec.rows.empty() && !has_ga) spec.fail("", "no runs: give 'rows' and/or 'grids' (or a GA stage)");
  const double runs = double(spec.rows.size()) * double(spec.seeds.size()) * double(spec.repeats);
  if (runs > double(kMaxSpecRuns))
    spec.fail("", std::to_string(spec.rows.size()) + " rows x " + std::to_string(spec.seeds.size()) + " seeds x " +
                      std::to_string(spec.repeats) + " repeats is more than " + std::to_string(kMaxSpecRuns) +
                      " runs, the limit of one spec (split the sweep)");
  for (size_t i = 0; i < spec.explicit_rows; ++i) {
    const SpecRow& row = spec.rows[i];
    if (!row.init_from) continue;
    std::string fp = row.where + ".init_from";
    if (size_t(row.init_from->row) >= spec.explicit_rows)
      spec.fail(fp + ".row", "row " + std::to_string(row.init_from->row) + " does not exist (the spec has " +
                                 std::to_string(spec.explicit_rows) + " rows)");
    if (int(i) == row.init_from->row) spec.fail(fp + ".row", "a row cannot start from its own weights");
    const SpecRow& from = spec.rows[size_t(row.init_from->row)];
    if (from.stage != row.init_from->stage)
      spec.fail(fp + ".stage", "row " + std::to_string(row.init_from->row) + " belongs to stage '" + from.stage +
                                   "', not '" + row.init_from->stage + "'");
  }
  return spec;
}

}  // namespace ds
