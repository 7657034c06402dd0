// Metrics computed in double; inputs are checked for matching sizes and 0/1 labels.
#include "metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "../core/detail/check.hpp"

namespace xtgrad {
namespace {

void check_inputs(const char* op, const Array& values, const Array& labels) {
  XTGRAD_CHECK(values.size() == labels.size() && values.size() > 0, op, "expected as many labels as predictions (and at least one), got ",
                values.size(), " predictions and ", labels.size(), " labels");
  for (std::size_t i = 0; i < labels.size(); ++i) {
    float y = labels.data()[i];
    XTGRAD_CHECK(y == 0.0f || y == 1.0f, op, "labels must be 0 or 1, got ", y, " at index ", i);
    XTGRAD_CHECK(!std::isnan(values.data()[i]), op, "prediction ", i, " is NaN");
  }
}

}  // namespace

ConfusionMatrix confusion_matrix(const Array& probabilities, const Array& labels, double threshold) {
  check_inputs("confusion_matrix", probabilities, labels);
  ConfusionMatrix m;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    bool predicted = probabilities.data()[i] > threshold, actual = labels.data()[i] == 1.0f;
    if (predicted) actual ? ++m.true_positives : ++m.false_positives;
    else actual ? ++m.false_negatives : ++m.true_negatives;
  }
  return m;
}

double accuracy(const Array& probabilities, const Array& labels, double threshold) {
  ConfusionMatrix m = confusion_matrix(probabilities, labels, threshold);
  return static_cast<double>(m.true_positives + m.true_negatives) / static_cast<double>(labels.size());
}

double roc_auc(const Array& scores, const Array& labels) {
  check_inputs("roc_auc", scores, labels);
  std::size_t n = scores.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores.data()[a] < scores.data()[b]; });
  // Sum of the positives' ranks, tied scores sharing their average rank.
  double positive_rank_sum = 0.0;
  std::size_t positives = 0;
  for (std::size_t start = 0; start < n;) {
    std::size_t end = start;
    while (end < n && scores.data()[order[end]] == scores.data()[order[start]]) ++end;
    double average_rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
    for (std::size_t k = start; k < end; ++k)
      if (labels.data()[order[k]] == 1.0f) {
        positive_rank_sum += average_rank;
        ++positives;
      }
    start = end;
  }
  std::size_t negatives = n - positives;
  XTGRAD_CHECK(positives > 0 && negatives > 0, "roc_auc", "needs both classes among the labels, got ", positives,
                " positives and ", negatives, " negatives");
  double u = positive_rank_sum - static_cast<double>(positives) * static_cast<double>(positives + 1) / 2.0;
  return u / (static_cast<double>(positives) * static_cast<double>(negatives));
}

double log_loss(const Array& probabilities, const Array& labels) {
  check_inputs("log_loss", probabilities, labels);
  const double eps = 1e-15;
  double total = 0.0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    double p = std::clamp(static_cast<double>(probabilities.data()[i]), eps, 1.0 - eps);
    total -= labels.data()[i] == 1.0f ? std::log(p) : std::log(1.0 - p);
  }
  return total / static_cast<double>(labels.size());
}

}  // namespace xtgrad
