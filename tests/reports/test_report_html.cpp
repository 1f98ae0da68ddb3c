// The HTML report is one offline file: no reference to any other resource, charts inline as SVG,
// a loss curve for every run that recorded a loss, and every row's state in the table.
#include <gtest/gtest.h>

#include <regex>

#include "reports/render.h"
#include "reports/report_model.h"
#include "report_fixture.h"
#include "tests/support/count_text.h"

namespace ds {
namespace {

class ReportHtml : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ReportScratch();
    test::build_all_fixtures(*dir_ / "fixture.db", dir_->path());
    Store store(*dir_ / "fixture.db", Store::Mode::read_only);
    ReportOptions options;
    options.curves = true;
    html_ = new std::string(render_html(build_report(store, "table4", "table4-fixture", options)));
  }
  static void TearDownTestSuite() {
    delete html_;
    delete dir_;
  }
  static test::ReportScratch* dir_;
  static std::string* html_;
};
test::ReportScratch* ReportHtml::dir_ = nullptr;
std::string* ReportHtml::html_ = nullptr;

TEST_F(ReportHtml, NeedsNothingBesideItself) {
  const std::string& html = *html_;
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* bad : {"http://", "https://", "<link", "<script", "<img", "<iframe", "url(", "@import", "src=", "href="})
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
  EXPECT_EQ(ds::test::count_occurrences(html, "<html"), 1u);
  EXPECT_EQ(ds::test::count_occurrences(html, "</html>"), 1u);
  EXPECT_EQ(ds::test::count_occurrences(html, "<style>"), 1u);
}

TEST_F(ReportHtml, DrawsBarsAndOneCurvePerRunThatRecordedALoss) {
  const std::string& html = *html_;
  EXPECT_EQ(ds::test::count_occurrences(html, "<svg"), ds::test::count_occurrences(html, "</svg>"));
  // 16 done runs, 2 failed LS runs, 1 running CA run, 1 failed GIoU run; pending and cancelled ones have none.
  EXPECT_EQ(ds::test::count_occurrences(html, "<polyline class=\"curve"), 20u);
  // bars: one per done row in "ours", one per paper row in "paper", deltas for rows 1..16 of the paper
  EXPECT_EQ(ds::test::count_occurrences(html, "class=\"ours\""), 9u);
  EXPECT_EQ(ds::test::count_occurrences(html, "class=\"agree\""), 7u);
  EXPECT_EQ(ds::test::count_occurrences(html, "class=\"disagree\""), 1u);
  EXPECT_EQ(ds::test::count_occurrences(html, "class=\"paper\""), 17u + 16u);
}

TEST_F(ReportHtml, ShowsEveryRowWithItsState) {
  const std::string& html = *html_;
  for (const char* state : {"2 failed (diverged: loss NaN at iteration 212)", "1 done, 1 pending",
                            "1 done, 1 running (it 1200/2000)", "2 pending", "1 failed (signal 9), 1 cancelled"})
    EXPECT_NE(html.find(state), std::string::npos) << state;
  EXPECT_EQ(ds::test::count_occurrences(html, ">not in sweep</td>"), 5u);
  std::regex row("<tr><td class=\"r\">[0-9]+</td>");
  EXPECT_EQ(std::distance(std::sregex_iterator(html.begin(), html.end(), row), std::sregex_iterator()), 17);
}

}  // namespace
}  // namespace ds
