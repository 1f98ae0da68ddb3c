// A sweep spec (experiments/*.json, format in docs/spec.md): loading and validation. Every mistake is an
// InputError naming the spec file, line:column and the JSON path of the offending value.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/ga.h"
#include "sweep/json_positions.h"

namespace ds {

// One override string ("yolo.scale_x_y=1.05", "data.jitter=0.3", "schedule.max_batches=500") and the JSON
// path it came from, so that an override the cfg rejects can still be traced to the spec.
struct Override {
  std::string text;
  std::string where;
};

struct PaperRef {
  std::string table;  // "table4"
  int row = -1;       // 0-based row of that table in paper/yolov4_tables.json
};

// "init_from": start from the final weights of another row's run (same seed and repeat), keeping the
// first `partial` layers (-1: all).
struct InitFrom {
  std::string stage;
  int row = -1;  // index into the spec's `rows`
  int partial = -1;
};

struct SpecRow {
  std::string label;      // the row's "name", else its JSON path
  std::string where;      // JSON path: "rows[3]" or "grids[0]" (grid rows share their grid's path)
  std::string stage;
  std::vector<std::string> switches;
  std::vector<Override> overrides;  // the row's own, applied after its switches'
  std::optional<PaperRef> paper;
  std::optional<InitFrom> init_from;
  std::string ga_from;  // a GA stage whose best individual's gene overrides follow the row's switches
  nlohmann::json test_hooks = nlohmann::json::object();  // merged over base.test_hooks
  // "processes": K > 1 trains each of the row's runs data-parallel over K processes (K slots at once);
  // 0: the stage's. An execution resource, not part of the runs' identity.
  int processes = 0;
  std::string processes_where;  // its JSON path, for errors
};

// What a stage's runs start from: the cfg (its bytes are part of every run's identity), the overrides
// applied before any switch, and the data and schedule objects handed to the trainer. The top-level
// `base` gives it; a stage's own `base` replaces cfg and overrides and merges data and schedule key by key.
struct RunBase {
  std::string cfg_path;  // as written (relative to the spec's dir)
  std::string cfg_text;  // bytes of the cfg file
  std::vector<Override> overrides;
  nlohmann::json data = nlohmann::json::object();
  nlohmann::json schedule = nlohmann::json::object();
  std::string where = "base";  // JSON path of the object that gave the cfg, for errors
};

struct SpecStage {
  std::string name;
  RunBase base;
  std::vector<std::string> after;  // stages whose runs must all be done before this stage starts
  // A GA stage has no rows: its runs are the individuals of `ga`, each trained as `individual` (the
  // stage's own switches and overrides) plus its gene overrides.
  std::optional<GaSpec> ga;
  SpecRow individual;
  int processes = 1;  // "processes": the default of its rows (and of a GA stage's individuals)
  std::string processes_where;
};

struct Spec {
  std::string path;      // as given
  std::string dir;       // directory of the spec file ("." if none): relative paths are resolved from it
  std::string raw_text;  // the file's bytes (stored with the sweep)
  std::string name;
  std::string description;
  std::map<std::string, std::string> params;  // "params" defaults, replaced by load_spec's `params`

  RunBase base;  // the top-level base (each stage's own, resolved, is in stages[i].base)
  nlohmann::json test_hooks = nlohmann::json::object();
  std::string device = "cpu";
  std::string precision = "fp32";  // on cuda: fp32 | tf32 | mixed (core/cuda/cuda_network.h)

  std::vector<std::string> switch_names;  // sorted (nlohmann::json objects keep no order)
  std::map<std::string, std::vector<Override>> switches;
  std::vector<SpecRow> rows;  // explicit rows first (index = position in `rows`), then grid rows
  size_t explicit_rows = 0;
  std::vector<int> seeds = {0};
  int repeats = 1;
  std::vector<SpecStage> stages;  // never empty after loading: a spec without stages has one, "main"

  JsonPositions positions;

  const SpecStage& stage(const std::string& name) const;  // std::logic_error for an unknown name

  // "PATH:LINE:COL: JSON_PATH: message" as an InputError.
  [[noreturn]] void fail(const std::string& json_path, const std::string& message) const;
};

// The most runs (rows x seeds x repeats) one spec may expand to: far beyond any paper table, and
// small enough that a typo (a 100k-row file, a grid of 20 axes) is refused before anything is allocated.
inline constexpr size_t kMaxSpecRuns = 10000;
// The most processes one run may train on ("processes"; as many as `sweep run --slots` allows).
inline constexpr int kMaxProcesses = 1024;

// `params` (NAME -> VALUE, `sweep run --param`) replace the spec's "params" defaults before ${NAME} is
// substituted; a name the spec does not declare is an InputError.
Spec load_spec(const std::string& path, const std::map<std::string, std::string>& params = {});
// `path` names the text in messages and anchors relative paths.
Spec parse_spec(const std::string& text, const std::string& path, const std::map<std::string, std::string>& params = {});

}  // namespace ds
