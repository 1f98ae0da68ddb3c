// Run identity: canonical JSON is sorted and compact, ids are stable across parses and formatting of
// the spec, and change exactly when a run's config (or that of a run it starts from) changes.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "sweep/plan.h"
#include "sweep/spec.h"
#include "sweep_test_util.h"

namespace ds {
namespace {

using test::ScratchDir;
using test::sweep_fixture;

std::map<std::string, std::string> ids_by_run(const Plan& plan) {
  std::map<std::string, std::string> out;
  for (const auto& r : plan.runs)
    out[r.row_label + "/" + std::to_string(r.seed) + "/" + std::to_string(r.repeat)] = r.id;
  return out;
}

TEST(RunIdentity, CanonicalJsonIsSortedAndCompact) {
  nlohmann::json j = {{"b", 1}, {"a", {2, 3}}, {"c", {{"z", "x y"}, {"y", 0.5}}}};
  EXPECT_EQ(canonical_json(j), R"({"a":[2,3],"b":1,"c":{"y":0.5,"z":"x y"}})");
}

// The same canonical string hashed by another implementation (Python's json + hashlib), so that ids
// can be recomputed outside darksweep.
TEST(RunIdentity, MatchesAnIndependentComputation) {
  nlohmann::json j = nlohmann::json::parse(
      R"({"seed":1,"cfg":{"text":"[net]\nbatch=2\n","overrides":["net.batch=4"]},"data":{"jitter":0.3,"train":"t.txt"},
          "inputs":{},"repeat":0,"schedule":{"max_batches":12},"device":"cpu"})");
  EXPECT_EQ(run_id_of(j), "aac464a72b9fb85b0416c6aea704e0fcc8fc1239a0a9a763f02bc88f19e2634c");
}

TEST(RunIdentity, StableAcrossParsesAndSpecFormatting) {
  auto first = ids_by_run(expand_spec(load_spec(sweep_fixture("specs/features.json"))));
  auto again = ids_by_run(expand_spec(load_spec(sweep_fixture("specs/features.json"))));
  EXPECT_EQ(first, again);
  // Re-indent and re-order the spec's keys (nlohmann sorts them): the runs are the same runs.
  ScratchDir dir;
  std::filesystem::copy_file(sweep_fixture("specs/tiny.cfg"), dir / "tiny.cfg");
  auto j = nlohmann::json::parse(test::read_text(sweep_fixture("specs/features.json")));
  test::write_text(dir / "spec.json", j.dump(7));
  EXPECT_EQ(ids_by_run(expand_spec(load_spec(dir / "spec.json"))), first);
}

TEST(RunIdentity, ChangesWithConfigAndPropagatesThroughInitFrom) {
  auto before = ids_by_run(expand_spec(load_spec(sweep_fixture("specs/features.json"))));
  ScratchDir dir;
  std::filesystem::copy_file(sweep_fixture("specs/tiny.cfg"), dir / "tiny.cfg");
  auto j = nlohmann::json::parse(test::read_text(sweep_fixture("specs/features.json")));
  j["rows"][0]["overrides"] = {"net.width=96"};  // only the classifier changes
  test::write_text(dir / "spec.json", j.dump());
  auto after = ids_by_run(expand_spec(load_spec(dir / "spec.json")));
  EXPECT_NE(after["classifier/1/0"], before["classifier/1/0"]);
  EXPECT_NE(after["baseline/1/0"], before["baseline/1/0"]);  // starts from the classifier's weights
  EXPECT_EQ(after["S/1/0"], before["S/1/0"]);
  EXPECT_EQ(after["S+M+LONG/2/1"], before["S+M+LONG/2/1"]);
  // The cfg's bytes are part of the identity too.
  test::write_text(dir / "tiny.cfg", test::read_text(dir / "tiny.cfg") + "\n# comment\n");
  auto edited = ids_by_run(expand_spec(load_spec(dir / "spec.json")));
  EXPECT_NE(edited["S/1/0"], after["S/1/0"]);
}

TEST(RunIdentity, SeedsAndRepeatsAreDistinctRuns) {
  auto ids = ids_by_run(expand_spec(load_spec(sweep_fixture("specs/features.json"))));
  EXPECT_NE(ids["S/1/0"], ids["S/2/0"]);
  EXPECT_NE(ids["S/1/0"], ids["S/1/1"]);
}

}  // namespace
}  // namespace ds
