// Spec "params" (${NAME} in paths, `sweep run --param`), and every spec under experiments/ (paper and
// smoke scale) parsing and expanding into its plan with its parameters' defaults (nothing is trained).
#include <gtest/gtest.h>

#include <filesystem>

#include "core/util/error.h"
#include "sweep/plan.h"
#include "sweep/spec.h"
#include "sweep_test_util.h"
#include "tests/support/error_of.h"

namespace ds {
namespace {

using test::sweep_fixture;

const std::string kParamsSpec = R"({"name": "p", "params": {"DATA": "/data/coco", "SUB": "lists"},
 "base": {"cfg": "tiny.cfg", "data": {"train": "${DATA}/${SUB}/train.txt", "val": "${DATA}/val.txt", "classes": 2}},
 "rows": [{}]})";

Plan plan_of(const std::string& text, const std::map<std::string, std::string>& params = {}) {
  return expand_spec(parse_spec(text, sweep_fixture("specs/inline.json"), params));
}

TEST(SpecParams, DefaultsAndGivenValuesAreSubstitutedBeforeTheRunId) {
  Plan defaults = plan_of(kParamsSpec);
  ASSERT_EQ(defaults.runs.size(), 1u);
  EXPECT_EQ(defaults.runs[0].config["data"]["train"], "/data/coco/lists/train.txt");
  EXPECT_EQ(defaults.runs[0].config["data"]["val"], "/data/coco/val.txt");
  Plan given = plan_of(kParamsSpec, {{"DATA", "/scratch/coco"}});
  EXPECT_EQ(given.runs[0].config["data"]["train"], "/scratch/coco/lists/train.txt");
  EXPECT_NE(given.runs[0].id, defaults.runs[0].id);  // the resolved paths are part of the identity
  // The same resolved paths written out are the same run.
  Plan literal = plan_of(R"({"name": "p", "base": {"cfg": "tiny.cfg", "data": {"train": "/scratch/coco/lists/train.txt",
    "val": "/scratch/coco/val.txt", "classes": 2}}, "rows": [{}]})");
  EXPECT_EQ(literal.runs[0].id, given.runs[0].id);
}

TEST(SpecParams, StageBasesAndCfgPathsAreSubstitutedToo) {
  Plan plan = plan_of(R"({"name": "p", "params": {"CFG": "tiny", "IMNET": "/in"},
    "base": {"cfg": "${CFG}.cfg"},
    "stages": [{"name": "a", "base": {"cfg": "${CFG}-classifier.cfg", "data": {"train": "${IMNET}/t.txt"}}}, {"name": "b", "after": ["a"]}],
    "rows": [{"stage": "a"}, {"stage": "b"}]})");
  ASSERT_EQ(plan.runs.size(), 2u);
  EXPECT_EQ(plan.runs[0].config["data"]["train"], "/in/t.txt");
  EXPECT_NE(plan.runs[0].config["cfg"]["text"], plan.runs[1].config["cfg"]["text"]);
}

TEST(SpecParams, UnknownNamesAreErrorsWithTheJsonPath) {
  std::string e = test::error_of([] {
    plan_of(R"({"name": "p", "params": {"COCO": "/c"},
 "base": {"cfg": "tiny.cfg", "data": {"train": "${COC}/train.txt"}}, "rows": [{}]})");
  });
  EXPECT_NE(e.find("inline.json:2:48: base.data.train: unknown parameter '${COC}'; known (top-level \"params\"): COCO"),
            std::string::npos) << e;
  e = test::error_of([] { plan_of(kParamsSpec, {{"DAT", "/x"}}); });
  EXPECT_NE(e.find("inline.json:1:25: params: --param DAT=/x: the spec has no parameter 'DAT'; known: DATA, SUB"),
            std::string::npos) << e;
  e = test::error_of([] { plan_of(R"({"name": "p", "base": {"cfg": "tiny.cfg", "data": {"train": "${X"}}, "rows": [{}]})"); });
  EXPECT_NE(e.find("base.data.train: '${' without a closing '}'"), std::string::npos) << e;
  e = test::error_of([] { plan_of(R"({"name": "p", "params": {"X": 1}, "base": {"cfg": "tiny.cfg"}, "rows": [{}]})"); });
  EXPECT_NE(e.find("params.X: expected a string, got integer"), std::string::npos) << e;
}

// Every experiments/*.json and experiments/smoke/*.json expands (with its params' defaults) without error.
TEST(ExperimentSpecs, EveryPaperAndSmokeSpecParsesAndExpands) {
  const std::filesystem::path root = std::filesystem::path(DS_SOURCE_DIR) / "experiments";
  int specs = 0;
  for (const auto& dir : {root, root / "smoke"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".json") continue;
      SCOPED_TRACE(entry.path().string());
      ++specs;
      try {
        Spec spec = load_spec(entry.path().string());
        Plan plan = expand_spec(spec);
        EXPECT_FALSE(plan.runs.empty() && plan.ga.empty());
        for (const auto& r : plan.runs)
          for (const auto& [key, value] : r.config["data"].items())
            if (value.is_string()) {
              EXPECT_EQ(value.get<std::string>().find("${"), std::string::npos) << key;
            }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
  EXPECT_GE(specs, 11);  // table2..table7 and the smoke specs
}

// The paper specs' rows name every row of their paper table once, in order.
TEST(ExperimentSpecs, PaperSpecsCoverEveryRowOfTheirTable) {
  const std::map<std::string, int> rows = {{"table2", 10}, {"table3", 3}, {"table4", 17}, {"table5", 5}, {"table6", 5}, {"table7", 4}};
  for (const auto& [table, n] : rows) {
    Spec spec = load_spec(std::string(DS_SOURCE_DIR) + "/experiments/" + table + ".json");
    std::vector<int> seen;
    for (const SpecRow& r : spec.rows)
      if (r.paper) {
        EXPECT_EQ(r.paper->table, table);
        seen.push_back(r.paper->row);
      }
    std::vector<int> expected(n);
    for (int i = 0; i < n; ++i) expected[i] = i;
    EXPECT_EQ(seen, expected) << table;
  }
}

}  // namespace
}  // namespace ds
