// The report model on a half-finished Table 4 sweep: unfinished rows stay with the reason, means and
// deltas are over done runs only, verdicts and the rank correlation, sweep choice, and read-only access.
#include <gtest/gtest.h>

#include "core/util/error.h"
#include "reports/render.h"
#include "reports/report_model.h"
#include "reports/report_notes.h"
#include "sweep/sqlite_db.h"
#include "report_fixture.h"

namespace ds {
namespace {

class ReportModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ReportScratch();
    test::build_all_fixtures(db(), dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string db() { return *dir_ / "fixture.db"; }
  static test::ReportScratch* dir_;
};
test::ReportScratch* ReportModel::dir_ = nullptr;

TEST_F(ReportModel, EveryPaperRowIsThereWhateverItsRunsDid) {
  Store store(db(), Store::Mode::read_only);
  Report rep = build_report(store, "table4", "table4-fixture");
  ASSERT_EQ(rep.rows.size(), 17u);
  EXPECT_EQ(rep.rows[0].status.text, "done");
  EXPECT_EQ(rep.rows[5].status.text, "2 failed (diverged: loss NaN at iteration 212)");
  EXPECT_EQ(rep.rows[5].ours.at("AP").n, 0);
  EXPECT_EQ(rep.rows[6].status.text, "1 done, 1 pending");
  EXPECT_EQ(rep.rows[7].status.text, "1 done, 1 running (it 1200/2000)");
  EXPECT_EQ(rep.rows[8].status.text, "2 pending");
  EXPECT_EQ(rep.rows[9].status.text, "1 failed (signal 9), 1 cancelled");
  for (int row = 12; row < 17; ++row) {
    EXPECT_EQ(rep.rows[row].status.text, "not in sweep") << row;
    EXPECT_EQ(rep.rows[row].status.total, 0);
  }
  EXPECT_EQ(rep.runs_total, 24);  // the table5 run of the same sweep and the unreferenced run are not counted
  EXPECT_EQ(rep.runs_done, 16);
  ASSERT_EQ(rep.others.size(), 1u);
  EXPECT_EQ(rep.others[0].label, "anchors-kmeans");
  EXPECT_EQ(rep.rows[1].labels, (std::vector<std::string>{"S"}));
}

TEST_F(ReportModel, MeansAreOverDoneRunsInPercentAndDeltasAgainstRowZero) {
  Store store(db(), Store::Mode::read_only);
  Report rep = build_report(store, "table4", "table4-fixture");
  const Summary& base = rep.rows[0].ours.at("AP");
  EXPECT_EQ(base.n, 2);
  EXPECT_NEAR(base.mean, 30.4, 1e-9);
  EXPECT_NEAR(*base.stddev, 0.2828427, 1e-6);
  EXPECT_NEAR(rep.rows[2].ours.at("AP50").mean, 31.7 + 20.1, 1e-9);
  EXPECT_EQ(rep.rows[6].ours.at("AP").n, 1);  // the pending seed does not count
  EXPECT_FALSE(rep.rows[6].ours.at("AP").stddev);
  EXPECT_NEAR(*rep.rows[2].delta_ours.at("AP"), 1.3, 1e-9);
  EXPECT_NEAR(*rep.rows[2].delta_paper.at("AP"), 1.1, 1e-9);
  EXPECT_FALSE(rep.rows[5].delta_ours.at("AP"));
  EXPECT_NEAR(*rep.rows[5].delta_paper.at("AP"), -5.0, 1e-9);
  EXPECT_NEAR(*rep.rows[0].delta_ours.at("AP"), 0.0, 1e-12);
}

TEST_F(ReportModel, VerdictsCompareSignsAndRanks) {
  Store store(db(), Store::Mode::read_only);
  Report rep = build_report(store, "table4", "table4-fixture");
  EXPECT_FALSE(rep.rows[0].agrees);        // the baseline
  EXPECT_TRUE(*rep.rows[1].agrees);        // -0.3 vs -0.3
  EXPECT_FALSE(*rep.rows[3].agrees);       // IT: +0.6 vs -1.1
  EXPECT_FALSE(rep.rows[5].agrees);        // failed: no verdict
  EXPECT_EQ(rep.verdict.compared, 8);
  EXPECT_EQ(rep.verdict.agreeing, 7);
  EXPECT_EQ(rep.verdict.spearman_n, 9);
  // Our AP over rows 0,1,2,3,4,6,7,10,11 against the paper's, ranked independently of this code:
  // ours   30.4 30.1 31.7 31.0 31.2 30.8 31.0 31.4 31.7 -> ranks 2 1 8.5 4.5 6 3 4.5 7 8.5
  // paper  38.0 37.7 39.1 36.9 38.9 38.4 38.7 39.1 39.6 -> ranks 3 2 7.5 1 6 4 5 7.5 9
  ASSERT_TRUE(rep.verdict.spearman);
  EXPECT_NEAR(*rep.verdict.spearman, 0.856548, 1e-6);
}

TEST_F(ReportModel, PaperRowsWithoutAChangeGetNoVerdict) {
  Store store(db(), Store::Mode::read_only);
  Report rep = build_report(store, "table6", "table6-fixture");
  // Paper table 6 row 3 equals its row 0 (42.4): no direction to agree with.
  EXPECT_NEAR(*rep.rows[3].delta_paper.at("AP"), 0.0, 1e-9);
  EXPECT_FALSE(rep.rows[3].agrees);
  ASSERT_EQ(rep.others.size(), 2u);
  EXPECT_EQ(rep.others[0].stage, "pretrain");
}

TEST_F(ReportModel, ClassifierTablesUseTopOneAndTopFive) {
  Store store(db(), Store::Mode::read_only);
  Report rep = build_report(store, "table2", "table2-fixture");
  EXPECT_EQ(rep.primary, "top1");
  EXPECT_NEAR(rep.rows[7].ours.at("top1").mean, 71.2, 1e-9);
  EXPECT_NEAR(rep.rows[7].ours.at("top5").mean, 88.4, 1e-9);
  EXPECT_EQ(rep.rows[6].status.text, "failed (timeout after 3600 s)");
  EXPECT_EQ(rep.rows[9].status.text, "pending");
}

TEST_F(ReportModel, CurvesSkipNonFiniteLossesAndStopWhereTheRunStopped) {
  Store store(db(), Store::Mode::read_only);
  ReportOptions options;
  options.curves = true;
  Report rep = build_report(store, "table4", "table4-fixture", options);
  ASSERT_EQ(rep.rows[5].curves.size(), 2u);
  EXPECT_EQ(rep.rows[5].curves[0].points.back().iteration, 200);  // the NaN at 213 is left out
  EXPECT_EQ(rep.rows[7].curves[1].points.back().iteration, 1200);
  EXPECT_EQ(rep.rows[0].curves[0].points.size(), 21u);
  EXPECT_TRUE(rep.rows[8].curves[0].points.empty());
  options.max_curve_points = 5;
  Report thin = build_report(store, "table4", "table4-fixture", options);
  ASSERT_EQ(thin.rows[0].curves[0].points.size(), 5u);
  EXPECT_EQ(thin.rows[0].curves[0].points.front().iteration, 0);
  EXPECT_EQ(thin.rows[0].curves[0].points.back().iteration, 2000);
}

TEST_F(ReportModel, SweepChoiceIsUniqueOrAnError) {
  Store store(db(), Store::Mode::read_only);
  EXPECT_EQ(choose_sweep(store, "table4", ""), "table4-fixture");
  EXPECT_EQ(choose_sweep(store, "table5", "table5-fixture"), "table5-fixture");
  // table4-fixture also holds a table5 run: two candidates, the user must pick.
  try {
    choose_sweep(store, "table5", "");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("table4-fixture, table5-fixture"), std::string::npos) << e.what();
  }
  EXPECT_THROW(choose_sweep(store, "table4", "no-such-sweep"), InputError);
}

TEST(ReportReadOnly, ReportingLeavesTheDatabaseBytesAsTheyWere) {
  test::ReportScratch dir;
  std::string path = dir / "ro.db";
  test::build_all_fixtures(path, dir.path());
  std::string before = test::slurp(path);
  ASSERT_FALSE(before.empty());
  {
    Store store(path, Store::Mode::read_only);
    ReportOptions options;
    options.curves = true;
    for (const auto& table : paper_table_ids()) {
      std::string sweep = table + "-fixture";
      render_html(build_report(store, table, sweep, options));
    }
  }
  EXPECT_EQ(test::slurp(path), before);
  EXPECT_THROW(Store(dir / "missing.db", Store::Mode::read_only), InputError);
}

// Done runs whose results record what they computed on are counted per environment, and a table computed on more
// than one says so (its rows then differ by more than their seeds); results without the record are not counted,
// nor runs of the sweep outside the table's rows.
TEST(ReportEnvironments, NotesNameWhatTheRowsComputedOn) {
  test::ReportScratch dir;
  std::string path = dir / "env.db";
  test::build_all_fixtures(path, dir.path());
  {
    Store store(path, Store::Mode::read_only);
    Report rep = build_report(store, "table4", "table4-fixture");
    EXPECT_TRUE(rep.environments.empty());
    for (const auto& note : report_notes(rep)) EXPECT_EQ(note.find("Computed on"), std::string::npos) << note;
  }
  std::vector<std::string> ids;
  {
    Store store(path, Store::Mode::read_only);
    for (const auto& r : store.runs("table4-fixture"))
      if (r.state == "done" && r.row_label != "anchors-kmeans" && store.result(r.id)) ids.push_back(r.id);
  }
  ASSERT_GE(ids.size(), 4u);
  {
    SqliteDb raw(path, false, 5000);
    for (size_t i = 0; i < ids.size(); ++i) {
      const char* env = i < 3 ? R"({"device":"cpu","blas":"OpenBLAS 0.3.21","blas_kernels":"Zen"})"
                              : R"({"device":"cuda","gpu":"NVIDIA H200 (sm_90), cuDNN 90300","blas_kernels":"Zen"})";
      Stmt update(raw, "UPDATE results SET json = json_set(json, '$.environment', json(?)) WHERE run = ?");
      update.bind(1, env);
      update.bind(2, ids[i]);
      update.run();
    }
  }
  Store store(path, Store::Mode::read_only);
  Report rep = build_report(store, "table4", "table4-fixture");
  ASSERT_EQ(rep.environments.size(), 2u);
  EXPECT_EQ(rep.environments.at("cpu, OpenBLAS kernels Zen"), 3);
  EXPECT_EQ(rep.environments.at("cuda, NVIDIA H200 (sm_90), cuDNN 90300, OpenBLAS kernels Zen"), rep.runs_done - 3);
  std::string notes;
  for (const auto& note : report_notes(rep)) notes += note + "\n";
  EXPECT_NE(notes.find("Computed on 2 environments: cpu, OpenBLAS kernels Zen (3 runs); cuda, NVIDIA H200"),
            std::string::npos) << notes;
  EXPECT_EQ(result_environment(R"({"AP": 0.3})"), std::nullopt);
}

TEST(ReportEscaping, UserTextCannotBreakTheFormats) {
  test::ReportScratch dir;
  std::string path = dir / "esc.db";
  {
    Store store(path, Store::Mode::read_write);
    test::FixtureRun f = test::other("table3", 0, "a|b,c", 1, "failed");
    f.reason = "<b>bad</b> & \"quoted\", 50% | $x_1$";
    test::add_fixture_sweep(store, "esc", {f}, dir.path());
  }
  Store store(path, Store::Mode::read_only);
  Report rep = build_report(store, "table3", "esc");
  std::string html = render_html(rep);
  EXPECT_EQ(html.find("<b>bad"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;bad&lt;/b&gt; &amp; &quot;quoted&quot;"), std::string::npos);
  std::string md = render_markdown(rep);
  EXPECT_NE(md.find("50% \\| $x_1$"), std::string::npos);
  std::string tex = render_latex(rep);
  EXPECT_NE(tex.find("50\\% | \\$x\\_1\\$"), std::string::npos);
  std::string csv = render_csv(rep);
  EXPECT_NE(csv.find("\"failed (<b>bad</b> & \"\"quoted\"\", 50% | $x_1$)\""), std::string::npos) << csv;
}

}  // namespace
}  // namespace ds
