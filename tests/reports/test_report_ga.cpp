// The GA stages of a sweep in its reports: every generation's evaluated individuals, best and median
// fitness, and the best so far with its genes, in Markdown and HTML (with a fitness chart per stage).
#include <gtest/gtest.h>

#include "reports/render.h"
#include "reports/report_model.h"
#include "report_fixture.h"

namespace ds {
namespace {

TEST(ReportGa, EveryGenerationWithItsBestSoFarInMarkdownAndHtml) {
  test::ReportScratch dir;
  Store store(dir / "ga.db", Store::Mode::read_write);
  nlohmann::json m1 = {{"AP", 0.2}, {"AP50", 0.4}}, m2 = {{"AP", 0.3}, {"AP50", 0.5}};
  // Seed 1; the table row, or a GA individual (no paper row, stage "search").
  auto fixture = [](const std::string& label, const std::string& outcome, const nlohmann::json& result,
                    bool individual) {
    test::FixtureRun f;
    if (!individual) f.table = "table4", f.paper_row = 0;
    f.label = label;
    f.seed = 1;
    f.outcome = outcome;
    f.result = result;
    if (individual) f.stage = "search";
    if (outcome == "running") f.last_iteration = 1000;
    return f;
  };
  test::add_fixture_sweep(store, "ga-fixture",
                          {fixture("baseline", "done", m1, false), fixture("g0i0", "done", m1, true),
                           fixture("g0i1", "done", m2, true), fixture("g1i1", "running", {}, true)},
                          dir.path());
  auto id = [](const std::string& label) { return "run-ga-fixture-" + label + "-1"; };
  GaIndividual a{0, 0, id("g0i0"), {"net.learning_rate=0.001"}, 0.1 * 0.4 + 0.9 * 0.2};
  GaIndividual b{0, 1, id("g0i1"), {"net.learning_rate=0.002"}, 0.1 * 0.5 + 0.9 * 0.3};
  GaIndividual elite = b;
  elite.generation = 1, elite.index = 0, elite.carried_from = 1;
  GaIndividual child{1, 1, id("g1i1"), {"net.learning_rate=0.0015"}, std::nullopt};
  GaProgress p;
  p.stage = "search";
  p.generations = {{{a, b}, b}, {{elite, child}, std::nullopt}};
  store.save_ga("ga-fixture", {p});

  Report rep = build_report(store, "table4", "ga-fixture");
  ASSERT_EQ(rep.ga.size(), 2u);
  EXPECT_NEAR(*rep.ga[0].best_so_far, 32.0, 1e-9);  // 0.1 x 50 + 0.9 x 30, percent
  EXPECT_FALSE(rep.ga[1].best_so_far);               // generation 1 is not evaluated yet

  const std::string md = render_markdown(rep, {2});
  EXPECT_NE(md.find("### GA search"), std::string::npos) << md;
  EXPECT_NE(md.find("| search | 0 | 2/2 | 32.00 | 27.00 | 32.00 | " + id("g0i1").substr(0, 12) +
                    " | net.learning_rate=0.002 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| search | 1 | 1/2 | 32.00 | 32.00 | — | "), std::string::npos) << md;

  const std::string html = render_html(rep, {2});
  EXPECT_NE(html.find("GA stage search: fitness"), std::string::npos);
  EXPECT_NE(html.find("generation 1 #0: 32"), std::string::npos);  // the elite's dot, with its fitness

  // A sweep without GA stages has no GA section.
  test::add_fixture_sweep(store, "plain", {fixture("baseline", "done", m1, false)}, dir.path());
  EXPECT_EQ(render_markdown(build_report(store, "table4", "plain"), {2}).find("GA search"), std::string::npos);
}

}  // namespace
}  // namespace ds
