// Small statistics for reports: mean and sample standard deviation over seeds, median, Spearman rank correlation.
#pragma once
#include <optional>
#include <vector>

namespace ds {

struct Summary {
  int n = 0;
  double mean = 0;
  std::optional<double> stddev;  // sample (n - 1) standard deviation; none for n < 2
};

Summary summarize(const std::vector<double>& values);

// The middle value (the mean of the two middle ones for an even count); none for no values.
std::optional<double> median(std::vector<double> values);

// Ranks 1..n with ties given their average rank (the usual convention for Spearman's rho).
std::vector<double> average_ranks(const std::vector<double>& values);

// Pearson correlation of the average ranks; none when fewer than `min_n` pairs or a side is constant.
std::optional<double> spearman(const std::vector<double>& a, const std::vector<double>& b, int min_n = 3);

}  // namespace ds
