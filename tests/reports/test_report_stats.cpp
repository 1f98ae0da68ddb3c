// Statistics behind the report: sample standard deviation, average ranks with ties, Spearman's rho.
#include <gtest/gtest.h>

#include <cmath>

#include "reports/stats.h"

namespace ds {
namespace {

TEST(ReportStats, SummaryUsesTheSampleStandardDeviation) {
  Summary s = summarize({30.2, 30.6});
  EXPECT_EQ(s.n, 2);
  EXPECT_DOUBLE_EQ(s.mean, 30.4);
  ASSERT_TRUE(s.stddev);
  EXPECT_NEAR(*s.stddev, 0.282843, 1e-6);  // sqrt(0.08 / 1), not sqrt(0.08 / 2)
  EXPECT_FALSE(summarize({1.0}).stddev);
  EXPECT_EQ(summarize({}).n, 0);
}

TEST(ReportStats, TiesShareTheirAverageRank) {
  auto r = average_ranks({3.0, 1.0, 2.0, 2.0});
  EXPECT_EQ(r, (std::vector<double>{4, 1, 2.5, 2.5}));
}

TEST(ReportStats, SpearmanMatchesAHandComputedValue) {
  EXPECT_NEAR(*spearman({1, 2, 3}, {10, 20, 30}), 1.0, 1e-12);
  EXPECT_NEAR(*spearman({1, 2, 3}, {30, 20, 10}), -1.0, 1e-12);
  // ranks (1, 2.5, 2.5, 4) vs (1, 3, 2, 4): 4.5 / sqrt(4.5 * 5)
  EXPECT_NEAR(*spearman({1, 2, 2, 3}, {1, 3, 2, 4}), 4.5 / std::sqrt(22.5), 1e-12);
  // only the order matters, not the scale: smoke-scale AP against the paper's
  EXPECT_NEAR(*spearman({0.1, 0.3, 0.2, 0.4}, {38.0, 39.1, 37.7, 41.5}), 0.8, 1e-12);
}

TEST(ReportStats, SpearmanNeedsThreeRowsAndVariation) {
  EXPECT_FALSE(spearman({1, 2}, {1, 2}));
  EXPECT_FALSE(spearman({1, 1, 1}, {1, 2, 3}));
  EXPECT_THROW(spearman({1, 2, 3}, {1, 2}), std::invalid_argument);
}

}  // namespace
}  // namespace ds
