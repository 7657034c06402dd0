// Binary-classification metrics on probabilities (or scores) and 0/1 labels of equal size.
#pragma once

#include <cstddef>

#include "../core/tensor.hpp"

namespace xtgrad {

struct ConfusionMatrix {
  std::size_t true_negatives = 0, false_positives = 0, false_negatives = 0, true_positives = 0;
};

/// Fraction of rows where (p > threshold) equals the label.
double accuracy(const Array& probabilities, const Array& labels, double threshold = 0.5);
/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half (Mann–Whitney U with average ranks). Needs both classes.
double roc_auc(const Array& scores, const Array& labels);
/// Mean of −[y·log p + (1−y)·log(1−p)] with p clipped to [1e−15, 1 − 1e−15], as scikit-learn.
double log_loss(const Array& probabilities, const Array& labels);
ConfusionMatrix confusion_matrix(const Array& probabilities, const Array& labels, double threshold = 0.5);

}  // namespace xtgrad
