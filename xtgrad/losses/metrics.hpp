// Metrics: binary ones on probabilities (or scores) and 0/1 labels of equal size, multi-class
// ones on scores [N, C] and class indices, regression ones on predictions and targets.
#pragma once

#include <cstddef>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

struct ConfusionMatrix {
  std::size_t true_negatives = 0, false_positives = 0, false_negatives = 0, true_positives = 0;
};

/// Fraction of rows where (p > threshold) equals the label, compared in float as NumPy and
/// PyTorch compare a float32 array with a Python float (0.1f is not above a threshold of 0.1).
double accuracy(const Array& probabilities, const Array& labels, double threshold = 0.5);
/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half (Mann–Whitney U with average ranks). Needs both classes.
double roc_auc(const Array& scores, const Array& labels);
/// Mean of −[y·log p + (1−y)·log(1−p)] with p clipped to [ε, 1 − ε], ε = float32's machine epsilon
/// (≈1.19e−7): scikit-learn 1.2's default for float32 probabilities, so p = 0 or 1 costs ≈15.94.
double log_loss(const Array& probabilities, const Array& labels);
ConfusionMatrix confusion_matrix(const Array& probabilities, const Array& labels, double threshold = 0.5);

// Multi-class metrics: scores [N, C] (logits or probabilities: the predicted class is the first
// largest score; a NaN score is an error) and labels [N], an index tensor's values (whole numbers in [0, C)).

/// Fraction of rows whose predicted class equals the label.
double multiclass_accuracy(const Array& scores, const Array& labels);
/// [C, C] counts: row = true class, column = predicted class (scikit-learn's layout).
Array multiclass_confusion_matrix(const Array& scores, const Array& labels);

/// Per-class precision, recall and F1 from a confusion matrix, as scikit-learn's
/// precision_recall_fscore_support: a ratio with a zero denominator is 0 (zero_division=0).
/// Macro averages are plain means over the classes that occur among the labels or the
/// predictions (scikit-learn's default labels); weighted averages weight each class by its support.
struct ClassificationReport {
  std::vector<double> precision, recall, f1;
  std::vector<std::size_t> support;  ///< true rows of each class
  double accuracy = 0.0;
  double macro_precision = 0.0, macro_recall = 0.0, macro_f1 = 0.0;
  double weighted_precision = 0.0, weighted_recall = 0.0, weighted_f1 = 0.0;
};
ClassificationReport classification_report(const Array& confusion);

// Regression metrics over predictions and targets of one shape (a [N] may stand for [N, 1], as
// in scikit-learn), computed in double. MSE and MAE average over every value, which for [N, outputs]
// is scikit-learn's uniform average over the outputs.
double mean_squared_error(const Array& predictions, const Array& targets);
double mean_absolute_error(const Array& predictions, const Array& targets);
/// R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² per output of [N] or [N, outputs], then the mean over the outputs
/// (scikit-learn's uniform_average); an output with constant targets scores 1 if predicted exactly,
/// else 0. Needs N ≥ 2 (scikit-learn returns NaN below that).
double r2_score(const Array& predictions, const Array& targets);

}  // namespace xtgrad

XTGRAD_API_END
