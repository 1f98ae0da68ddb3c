// Every table of the fixture store rendered and compared byte for byte with tests/reports/expected/.
// After an intended change of the output, DS_UPDATE_EXPECTED=1 rewrites the files (review the diff).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "reports/render.h"
#include "reports/report_model.h"
#include "report_fixture.h"

namespace ds {
namespace {

class GoldenReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ReportScratch();
    test::build_all_fixtures(*dir_ / "fixture.db", dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static void check(const std::string& table, ReportFormat format, const std::string& ext) {
    Store store(*dir_ / "fixture.db", Store::Mode::read_only);
    ReportOptions options;
    options.curves = format == ReportFormat::html;
    std::string got = render_report(build_report(store, table, table + "-fixture", options), format);
    std::string path = test::expected_path(table + "." + ext);
    const char* update = std::getenv("DS_UPDATE_EXPECTED");
    if (update && std::string(update) == "1") {
      std::ofstream(path, std::ios::binary) << got;
      return;
    }
    std::string want = test::slurp(path);
    ASSERT_FALSE(want.empty()) << "missing " << path << " (DS_UPDATE_EXPECTED=1 writes it)";
    EXPECT_EQ(got, want) << "differs from " << path;
  }
  static test::ReportScratch* dir_;
};
test::ReportScratch* GoldenReport::dir_ = nullptr;

TEST_F(GoldenReport, Table4Markdown) { check("table4", ReportFormat::markdown, "md"); }
TEST_F(GoldenReport, Table4Latex) { check("table4", ReportFormat::latex, "tex"); }
TEST_F(GoldenReport, Table4Csv) { check("table4", ReportFormat::csv, "csv"); }
TEST_F(GoldenReport, Table4Html) { check("table4", ReportFormat::html, "html"); }

TEST_F(GoldenReport, Table2Markdown) { check("table2", ReportFormat::markdown, "md"); }
TEST_F(GoldenReport, Table2Csv) { check("table2", ReportFormat::csv, "csv"); }
TEST_F(GoldenReport, Table3Markdown) { check("table3", ReportFormat::markdown, "md"); }
TEST_F(GoldenReport, Table3Latex) { check("table3", ReportFormat::latex, "tex"); }
TEST_F(GoldenReport, Table5Markdown) { check("table5", ReportFormat::markdown, "md"); }
TEST_F(GoldenReport, Table5Csv) { check("table5", ReportFormat::csv, "csv"); }
TEST_F(GoldenReport, Table6Markdown) { check("table6", ReportFormat::markdown, "md"); }
TEST_F(GoldenReport, Table6Html) { check("table6", ReportFormat::html, "html"); }
TEST_F(GoldenReport, Table7Markdown) { check("table7", ReportFormat::markdown, "md"); }
TEST_F(GoldenReport, Table7Latex) { check("table7", ReportFormat::latex, "tex"); }

}  // namespace
}  // namespace ds
