// Spec parsing and expansion: every feature of tests/sweep/specs/features.json, and error messages that
// carry the file, line:column and JSON path.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/cfg/cfg.h"
#include "core/util/error.h"
#include "sweep/plan.h"
#include "sweep/spec.h"
#include "sweep_test_util.h"

namespace ds {
namespace {

using test::sweep_fixture;

const ResolvedRun& find(const Plan& plan, const std::string& label, int seed, int repeat) {
  for (const auto& r : plan.runs)
    if (r.row_label == label && r.seed == seed && r.repeat == repeat) return r;
  throw std::runtime_error("no run " + label);
}

TEST(SpecParse, ReadsEveryFeature) {
  Spec spec = load_spec(sweep_fixture("specs/features.json"));
  EXPECT_EQ(spec.name, "features");
  EXPECT_EQ(spec.switch_names, (std::vector<std::string>{"LONG", "M", "S"}));
  ASSERT_EQ(spec.stages.size(), 2u);
  EXPECT_EQ(spec.stages[1].after, std::vector<std::string>{"pretrain"});
  EXPECT_EQ(spec.seeds, (std::vector<int>{1, 2}));
  EXPECT_EQ(spec.repeats, 2);
  EXPECT_EQ(spec.explicit_rows, 4u);
  ASSERT_EQ(spec.rows.size(), 8u);  // 4 explicit + a 2x2 grid
  EXPECT_EQ(spec.rows[4].switches, std::vector<std::string>{});
  EXPECT_EQ(spec.rows[5].switches, std::vector<std::string>{"M"});
  EXPECT_EQ(spec.rows[6].switches, std::vector<std::string>{"S"});
  EXPECT_EQ(spec.rows[7].switches, (std::vector<std::string>{"S", "M"}));
  ASSERT_TRUE(spec.rows[1].init_from);
  EXPECT_EQ(spec.rows[1].init_from->partial, 1);
  ASSERT_TRUE(spec.rows[2].paper);
  EXPECT_EQ(spec.rows[2].paper->row, 1);
  EXPECT_NE(spec.base.cfg_text.find("[yolo]"), std::string::npos);
}

TEST(SpecExpand, RowsSeedsRepeatsGridsAndDedup) {
  Plan plan = expand_spec(load_spec(sweep_fixture("specs/features.json")));
  // 8 rows x 2 seeds x 2 repeats, less the grid's (S) combination, which is the explicit row "S".
  EXPECT_EQ(plan.runs.size(), 28u);
  std::set<std::string> ids;
  for (const auto& r : plan.runs) ids.insert(r.id);
  EXPECT_EQ(ids.size(), plan.runs.size());
}

TEST(SpecExpand, OverridesLandInCfgDataAndSchedule) {
  Plan plan = expand_spec(load_spec(sweep_fixture("specs/features.json")));
  const ResolvedRun& r = find(plan, "S+M+LONG", 2, 1);
  EXPECT_EQ(r.config["cfg"]["overrides"],
            nlohmann::json({"net.batch=4", "yolo.scale_x_y=1.05", "net.mosaic=1", "yolo.iou_loss=ciou"}));
  EXPECT_EQ(r.config["data"]["mosaic"], true);
  EXPECT_EQ(r.config["data"]["jitter"], 0.3);
  EXPECT_EQ(r.config["schedule"]["max_batches"], 40);
  EXPECT_EQ(r.config["seed"], 2);
  EXPECT_EQ(r.config["repeat"], 1);
  EXPECT_DOUBLE_EQ(r.estimate, 40.0 * 4 * 32 * 32 / 1e6);
  EXPECT_DOUBLE_EQ(find(plan, "classifier", 1, 0).estimate, 12.0 * 4 * 64 * 32 / 1e6);
}

// The smoke Table 4 spec's CBN row (row 6) turns every batch_normalize=1 convolution into CmBN and leaves the
// detection heads' convolutions (no batch norm) alone; every row splits its batch into 4 mini-batches.
TEST(SpecExpand, SmokeTable4CbnRowTurnsBatchNormIntoCmbnAndEveryRowStartsFromThePretrainedBackbone) {
  Plan plan = expand_spec(load_spec(std::string(DS_SOURCE_DIR) + "/experiments/smoke/table4.json"));
  auto resolved_cfg = [&](const std::string& row) {
    const ResolvedRun& r = find(plan, row, 1, 0);
    Cfg cfg = parse_cfg_text(r.config["cfg"]["text"].get<std::string>(), "table4");
    apply_overrides(cfg, r.config["cfg"]["overrides"].get<std::vector<std::string>>());
    return cfg;
  };
  for (const std::string row : {"baseline", "CBN"}) {
    Cfg cfg = resolved_cfg(row);
    EXPECT_EQ(cfg.net().get_int("subdivisions", 1), 2) << row;
    std::map<int, int> convs_by_bn;
    for (size_t i = 0; i < cfg.num_layers(); ++i)
      if (cfg.layer(i).type == "convolutional") convs_by_bn[cfg.layer(i).get_int("batch_normalize", 0)]++;
    EXPECT_EQ(convs_by_bn[0], 3) << row;  // the convolutions before the three [yolo] heads
    EXPECT_EQ(convs_by_bn[row == "CBN" ? 2 : 1], 37) << row;
    EXPECT_EQ(convs_by_bn.size(), 2u) << row;
  }
  // Every detector row starts from the pre-training stage's backbone classifier (layers 0-25).
  const ResolvedRun& backbone = find(plan, "backbone", 1, 0);
  EXPECT_NE(backbone.config["cfg"]["text"].get<std::string>().find("[softmax]"), std::string::npos);
  EXPECT_EQ(backbone.config["data"]["classes"], 8);
  int detector_rows = 0;
  for (const auto& r : plan.runs) {
    if (r.stage != "detector") continue;
    ++detector_rows;
    EXPECT_EQ(r.config["inputs"]["init_from"]["run"], backbone.id) << r.row_label;
    EXPECT_EQ(r.config["inputs"]["init_from"]["partial"], 26) << r.row_label;
  }
  EXPECT_EQ(detector_rows, 17);
}

TEST(SpecExpand, StagesAndInitFromBecomeDependencies) {
  Plan plan = expand_spec(load_spec(sweep_fixture("specs/features.json")));
  std::set<std::string> pretrain;
  for (const auto& r : plan.runs)
    if (r.stage == "pretrain") pretrain.insert(r.id);
  EXPECT_EQ(pretrain.size(), 4u);
  const ResolvedRun& base = find(plan, "baseline", 2, 1);
  const ResolvedRun& cls = find(plan, "classifier", 2, 1);
  EXPECT_EQ(base.config["inputs"]["init_from"]["run"], cls.id);
  EXPECT_EQ(base.config["inputs"]["init_from"]["partial"], 1);
  ASSERT_TRUE(base.paper);
  EXPECT_EQ(base.paper->table, "table4");
  for (const auto& r : plan.runs) {
    if (r.stage != "detector") continue;
    std::set<std::string> deps(r.deps.begin(), r.deps.end());
    for (const auto& p : pretrain) EXPECT_TRUE(deps.count(p)) << r.row_label;
  }
  // Dependencies are listed before their dependants.
  std::set<std::string> seen;
  for (const auto& r : plan.runs) {
    for (const auto& d : r.deps) EXPECT_TRUE(seen.count(d)) << r.row_label;
    seen.insert(r.id);
  }
}

std::string error_of(const std::string& text) {
  try {
    Spec spec = parse_spec(text, sweep_fixture("specs/inline.json"));
    expand_spec(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// A stage's own base: its cfg and overrides replace the top-level ones, its data and schedule merge over them.
TEST(SpecExpand, AStageBaseReplacesCfgAndOverridesAndMergesDataAndSchedule) {
  const std::string text = R"({"name": "x",
    "base": {"cfg": "tiny.cfg", "overrides": ["net.batch=4"], "data": {"train": "det.txt", "classes": 1},
             "schedule": {"max_batches": 12, "eval_every": 4}},
    "stages": [{"name": "pretrain", "base": {"cfg": "tiny-classifier.cfg", "overrides": ["net.width=24"],
                                             "data": {"train": "cls.txt", "classes": 8}, "schedule": {"max_batches": 30}}},
               {"name": "detector", "after": ["pretrain"]}],
    "rows": [{"name": "cls", "stage": "pretrain"},
             {"name": "det", "stage": "detector", "init_from": {"stage": "pretrain", "row": 0, "partial": 1}}]})";
  const Spec spec = parse_spec(text, sweep_fixture("specs/inline.json"));
  const Plan plan = expand_spec(spec);
  const ResolvedRun& cls = find(plan, "cls", 0, 0);
  const ResolvedRun& det = find(plan, "det", 0, 0);
  EXPECT_NE(cls.config["cfg"]["text"].get<std::string>().find("[softmax]"), std::string::npos);
  EXPECT_NE(det.config["cfg"]["text"].get<std::string>().find("[yolo]"), std::string::npos);
  EXPECT_EQ(cls.config["cfg"]["overrides"], nlohmann::json({"net.width=24"}));
  EXPECT_EQ(det.config["cfg"]["overrides"], nlohmann::json({"net.batch=4"}));
  EXPECT_EQ(cls.config["data"], nlohmann::json({{"train", "cls.txt"}, {"classes", 8}}));
  EXPECT_EQ(cls.config["schedule"], nlohmann::json({{"max_batches", 30}, {"eval_every", 4}}));
  EXPECT_EQ(det.config["schedule"], nlohmann::json({{"max_batches", 12}, {"eval_every", 4}}));
  EXPECT_EQ(det.config["inputs"]["init_from"]["run"], cls.id);
  EXPECT_EQ(spec.stage("pretrain").base.cfg_path, "tiny-classifier.cfg");

  // Its errors name the stage's JSON path.
  auto with_stage_base = [&](const std::string& stage_base) {
    return error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg"}, "stages": [{"name": "a", "base": )" + stage_base +
                    R"(}], "rows": [{}]})");
  };
  EXPECT_NE(with_stage_base(R"({"cfg": "missing.cfg"})").find("stages[0].base.cfg: cannot read the cfg"),
            std::string::npos);
  EXPECT_NE(with_stage_base(R"({"device": "cuda"})").find("stages[0].base.device: unknown key 'device'"),
            std::string::npos)
      << with_stage_base(R"({"device": "cuda"})");
  EXPECT_NE(with_stage_base(R"({"overrides": ["avgpool.size=3"]})").find("stages[0].base.overrides[0]: "),
            std::string::npos)
      << with_stage_base(R"({"overrides": ["avgpool.size=3"]})");
}

TEST(SpecExpand, DeviceArgumentReplacesBaseDevice) {
  Plan cpu = expand_spec(load_spec(sweep_fixture("specs/features.json")));
  Plan cuda = expand_spec(load_spec(sweep_fixture("specs/features.json")), "cuda");
  EXPECT_EQ(cuda.runs[0].config["device"], "cuda");
  EXPECT_NE(cpu.runs[0].id, cuda.runs[0].id);
}


TEST(SpecExpand, PrecisionIsPartOfACudaRunUnlessFp32) {
  Spec spec = load_spec(sweep_fixture("specs/features.json"));
  Plan fp32 = expand_spec(spec, "cuda");
  EXPECT_FALSE(fp32.runs[0].config.contains("precision"));  // fp32 runs keep the ids they had before precision
  spec.precision = "mixed";
  Plan mixed = expand_spec(spec, "cuda");
  EXPECT_EQ(mixed.runs[0].config["precision"], "mixed");
  EXPECT_NE(mixed.runs[0].id, fp32.runs[0].id);
}

TEST(SpecErrors, PrecisionNeedsAKnownNameAndCuda) {
  EXPECT_NE(error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg", "device": "cuda", "precision": "fp8"}, "rows": [{}]})")
                .find("base.precision: expected 'fp32', 'tf32' or 'mixed'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg", "precision": "mixed"}, "rows": [{}]})")
                .find("base.precision: precision 'mixed' needs device 'cuda'"),
            std::string::npos)
      << error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg", "precision": "mixed"}, "rows": [{}]})");
}

TEST(SpecErrors, NameFileLineColumnAndJsonPath) {
  std::string text =
      "{\"name\": \"x\", \"base\": {\"cfg\": \"tiny.cfg\"},\n"
      " \"switches\": {\"S\": [\"yolo.scale_x_y=1.05\"]},\n"
      " \"rows\": [{}, {}, {},\n"
      "   {\"switches\": [\"S\", \"XX\"]}]}";
  std::string e = error_of(text);
  EXPECT_NE(e.find("inline.json:4:23: rows[3].switches[1]: unknown switch 'XX'; known: S"), std::string::npos) << e;
}

TEST(SpecErrors, WrongTypesAndUnknownKeys) {
  std::string base = R"("name": "x", "base": {"cfg": "tiny.cfg"})";
  EXPECT_NE(error_of("{" + base + R"(, "rows": [{}], "repeats": "2"})").find("repeats: expected an integer, got string"),
            std::string::npos);
  EXPECT_NE(error_of("{" + base + R"(, "rows": [{"swiches": []}]})").find("rows[0].swiches: unknown key 'swiches'"),
            std::string::npos);
  EXPECT_NE(error_of("{" + base + R"(, "rows": [{"paper": {"table": "table4"}}]})").find("rows[0].paper: needs both"),
            std::string::npos);
  EXPECT_NE(error_of("{" + base + R"(, "rows": []})").find("no runs"), std::string::npos);
  EXPECT_NE(error_of("{" + base + R"(, "rows": [{"overrides": ["convolutional.size=3", "route.layers=1"]}]})")
                .find("rows[0].overrides[1]: "),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg", "device": "tpu"}, "rows": [{}]})")
                .find("base.device: expected 'cpu' or 'cuda'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg", "data": {"x": [1]}}, "rows": [{}]})")
                .find("base.data.x: expected a string, number or boolean"),
            std::string::npos);
}

TEST(SpecErrors, InitFromMustNameARowOfThatStage) {
  std::string text = R"({"name": "x", "base": {"cfg": "tiny.cfg"},
    "stages": [{"name": "a"}, {"name": "b", "after": ["a"]}],
    "rows": [{"stage": "a"}, {"stage": "b", "init_from": {"stage": "b", "row": 0}}]})";
  EXPECT_NE(error_of(text).find("rows[1].init_from.stage: row 0 belongs to stage 'a', not 'b'"), std::string::npos)
      << error_of(text);
}

// "processes" (a stage's, a row's or a grid's) says how many slots each run trains on; the runs' ids do not
// depend on it (the same run on K processes is the same experiment).
TEST(SpecExpand, ProcessesAreAnExecutionResourceOutsideTheRunId) {
  auto plan_of = [](const std::string& stage_processes, const std::string& row_processes) {
    return expand_spec(parse_spec(R"({"name": "x", "base": {"cfg": "tiny.cfg", "overrides": ["net.subdivisions=4"]},
      "stages": [{"name": "a")" + stage_processes + R"(}, {"name": "b", "after": ["a"]}],
      "rows": [{"stage": "a"}, {"stage": "a", "overrides": ["net.batch=4"])" + row_processes + R"(}, {"stage": "b", "overrides": ["net.momentum=0.95"]}],
      "grids": [{"stage": "b", "groups": [["M", "S"]], "processes": 2}],
      "switches": {"S": ["yolo.scale_x_y=1.05"], "M": ["net.mosaic=1"]}})", sweep_fixture("specs/inline.json")));
  };
  Plan one = plan_of("", ""), many = plan_of(R"(, "processes": 4)", R"(, "processes": 2)");
  ASSERT_EQ(one.runs.size(), 5u);
  ASSERT_EQ(many.runs.size(), 5u);
  std::vector<int> expected = {4, 2, 1, 2, 2};  // the stage's, the row's own, stage b's default, the grid's
  for (size_t i = 0; i < one.runs.size(); ++i) {
    EXPECT_EQ(one.runs[i].id, many.runs[i].id) << i;
    EXPECT_EQ(one.runs[i].processes, i < 3 ? 1 : 2) << i;
    EXPECT_EQ(many.runs[i].processes, expected[i]) << i;
  }
}

TEST(SpecErrors, BadProcessesNameTheirJsonPath) {
  auto row_with = [](const std::string& processes) {
    return error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg", "overrides": ["net.subdivisions=4"]},
      "rows": [{}, {"processes": )" + processes + "}]}");
  };
  EXPECT_NE(row_with("0").find("rows[1].processes: expected an integer >= 1"), std::string::npos) << row_with("0");
  EXPECT_NE(row_with("-2").find("rows[1].processes: expected an integer >= 1"), std::string::npos);
  EXPECT_NE(row_with("\"2\"").find("rows[1].processes: expected an integer, got string"), std::string::npos);
  EXPECT_NE(row_with("1.5").find("rows[1].processes: expected an integer, got number"), std::string::npos);
  EXPECT_NE(row_with("5000").find("rows[1].processes: expected an integer from 1 to 1024, got 5000"), std::string::npos);
  EXPECT_NE(row_with("3").find("rows[1].processes: processes 3: must divide [net] subdivisions"), std::string::npos)
      << row_with("3");
  EXPECT_NE(row_with("3").find("has subdivisions=4"), std::string::npos);
  EXPECT_EQ(row_with("4"), "(no error)");
  // Overrides count: the subdivisions the run trains with.
  std::string e = error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg", "overrides": ["net.subdivisions=4"]},
      "rows": [{"overrides": ["net.subdivisions=1"], "processes": 2}]})");
  EXPECT_NE(e.find("rows[0].processes: processes 2: must divide [net] subdivisions"), std::string::npos) << e;
  // Grids and stages.
  e = error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg"}, "grids": [{"groups": [[""]], "processes": 0}]})");
  EXPECT_NE(e.find("grids[0].processes: expected an integer >= 1"), std::string::npos) << e;
  e = error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg"}, "stages": [{"name": "a", "processes": [2]}], "rows": [{}]})");
  EXPECT_NE(e.find("stages[0].processes: expected an integer, got array"), std::string::npos) << e;
  // A classifier stage trains data-parallel too; its subdivisions are checked the same way.
  e = error_of(R"({"name": "x", "base": {"cfg": "tiny.cfg"},
      "stages": [{"name": "pretrain", "processes": 2, "base": {"cfg": "tiny-classifier.cfg",
                  "overrides": ["net.subdivisions=3"]}}, {"name": "det", "after": ["pretrain"]}],
      "rows": [{"stage": "pretrain"}, {"stage": "det"}]})");
  EXPECT_NE(e.find("stages[0].processes: processes 2: must divide [net] subdivisions"), std::string::npos) << e;
}

}  // namespace
}  // namespace ds
