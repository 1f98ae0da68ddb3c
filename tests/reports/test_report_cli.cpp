// `sweep report` as a user runs it: the real binary on a fixture store, output to stdout or a file,
// the format taken from --format or the file's extension, and exit code 2 for every bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>

#include "reports/render.h"
#include "reports/report_model.h"
#include "report_fixture.h"

namespace ds {
namespace {

class E2eReportCli : public ::testing::Test {
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

  // Runs `sweep ARGS`, stdout into out.txt and stderr into err.txt; returns the exit code.
  static int sweep(const std::string& args) {
    std::string cmd = std::string(DS_SWEEP_EXE) + " " + args + " > " + (*dir_ / "out.txt") + " 2> " + (*dir_ / "err.txt");
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  static std::string out() { return test::slurp(*dir_ / "out.txt"); }
  static std::string err() { return test::slurp(*dir_ / "err.txt"); }
  static test::ReportScratch* dir_;
};
test::ReportScratch* E2eReportCli::dir_ = nullptr;

TEST_F(E2eReportCli, PrintsMarkdownOfTheOnlySweepOfTheTable) {
  ASSERT_EQ(sweep("report table4 --db " + db()), 0) << err();
  EXPECT_EQ(out(), test::slurp(test::expected_path("table4.md")));
}

TEST_F(E2eReportCli, WritesTheFormatOfTheFileExtension) {
  std::string html = *dir_ / "t4.html";
  ASSERT_EQ(sweep("report table4 --db " + db() + " --out " + html), 0) << err();
  EXPECT_EQ(test::slurp(html), test::slurp(test::expected_path("table4.html")));
  EXPECT_NE(err().find("wrote"), std::string::npos);
  std::string tex = *dir_ / "t7.txt";
  ASSERT_EQ(sweep("report table7 --db " + db() + " --format tex --out " + tex), 0) << err();
  EXPECT_EQ(test::slurp(tex), test::slurp(test::expected_path("table7.tex")));
}

TEST_F(E2eReportCli, PicksTheSweepBySpecName) {
  std::string spec = *dir_ / "spec.json";
  std::ofstream(spec) << R"({"name": "table5-fixture", "base": {"cfg": "net.cfg"}, "rows": [{"name": "a"}]})";
  std::ofstream(*dir_ / "net.cfg") << "[net]\nwidth=32\nheight=32\nchannels=3\n\n[convolutional]\nfilters=4\nsize=3\nactivation=leaky\n";
  ASSERT_EQ(sweep("report table5 --db " + db() + " --spec " + spec + " --format csv"), 0) << err();
  EXPECT_EQ(out(), test::slurp(test::expected_path("table5.csv")));
}

TEST_F(E2eReportCli, BadInputExitsTwoWithAMessage) {
  EXPECT_EQ(sweep("report table9 --db " + db()), 2);
  EXPECT_NE(err().find("known: table2"), std::string::npos) << err();
  EXPECT_EQ(sweep("report table4 --db " + db() + " --format pdf"), 2);
  EXPECT_NE(err().find("md, tex, csv, html"), std::string::npos) << err();
  EXPECT_EQ(sweep("report table4 --db " + db() + " --sweep nope"), 2);
  EXPECT_NE(err().find("known: table2-fixture"), std::string::npos) << err();
  EXPECT_EQ(sweep("report table5 --db " + db()), 2);  // two sweeps hold table5 runs
  EXPECT_NE(err().find("--sweep"), std::string::npos) << err();
  EXPECT_EQ(sweep("report table4 --db " + (*dir_ / "missing.db")), 2);
  EXPECT_EQ(sweep("report --db " + db()), 2);
}

}  // namespace
}  // namespace ds
