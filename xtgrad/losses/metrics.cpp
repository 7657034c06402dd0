// Metrics computed in double: binary ones on probabilities and 0/1 labels, multi-class ones on
// scores [N, C] and class indices, regression ones on predictions and targets.
#include "xtgrad/losses/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/index.hpp"

namespace xtgrad {
namespace {

void check_inputs(const char* op, const Array& values, const Array& labels) {
  XTGRAD_CHECK(values.size() == labels.size() && values.size() > 0, op,
               "expected as many labels as predictions (and at least one), got ", values.size(), " predictions and ",
               labels.size(), " labels");
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
    // Compared in float, as NumPy and PyTorch compare a float32 array with a Python float: a
    // probability stored as 0.1f is not above a threshold of 0.1 (in double it would be).
    bool predicted = probabilities.data()[i] > static_cast<float>(threshold), actual = labels.data()[i] == 1.0f;
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
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores.data()[a] < scores.data()[b]; });
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
  // scikit-learn 1.2 clips at the machine epsilon of the probabilities' dtype (float32 here) and
  // renormalizes the pair (1 − p, p) in that dtype before a double log: the same float steps give
  // its value to the last bit.
  const float eps = std::numeric_limits<float>::epsilon();
  double total = 0.0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    float p = std::clamp(probabilities.data()[i], eps, 1.0f - eps), q = 1.0f - p, sum = q + p;
    total -= std::log(static_cast<double>((labels.data()[i] == 1.0f ? p : q) / sum));
  }
  return total / static_cast<double>(labels.size());
}

}  // namespace xtgrad

namespace xtgrad {
namespace {

// The first largest score of each row [N, C], checked against labels [N].
std::vector<std::size_t> predicted_classes(const char* op, const Array& scores, const Array& labels) {
  XTGRAD_CHECK(scores.dimension() == 2 && scores.shape()[1] > 0 && labels.size() == scores.shape()[0] &&
                   labels.size() > 0,
               op, "expected scores [N, C] and N labels (N, C > 0), got scores ", detail::dims(scores), " and labels ",
               detail::dims(labels));
  std::size_t n = scores.shape()[0], c = scores.shape()[1];
  std::vector<std::size_t> predicted(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < c; ++j) {
      // A NaN would lose every comparison, so its row's class would hang on where the NaN sits.
      XTGRAD_CHECK(!std::isnan(scores(i, j)), op, "score (", i, ", ", j, ") is NaN");
      if (scores(i, j) > scores(i, predicted[i])) predicted[i] = j;
    }
  return predicted;
}

double ratio(double num, double den) { return den == 0.0 ? 0.0 : num / den; }

// One shape, or [N] beside [N, 1] (scikit-learn reads a [N] as one column): equal sizes are not
// enough, [2, 3] against [3, 2] would pair values of different rows.
void check_regression(const char* op, const Array& predictions, const Array& targets) {
  auto column = [](const Array& a, const Array& b) {
    return a.dimension() == 1 && b.dimension() == 2 && b.shape()[1] == 1 && a.shape()[0] == b.shape()[0];
  };
  bool same = predictions.shape() == targets.shape() || column(predictions, targets) || column(targets, predictions);
  XTGRAD_CHECK(same && targets.size() > 0, op,
               "expected predictions and targets of one shape (a [N] may stand for [N, 1]) and at least one value, "
               "got ",
               detail::dims(predictions), " and ", detail::dims(targets));
}

}  // namespace

Array multiclass_confusion_matrix(const Array& scores, const Array& labels) {
  std::vector<std::size_t> predicted = predicted_classes("multiclass_confusion_matrix", scores, labels);
  std::size_t c = scores.shape()[1];
  // Counted in integers: a float count stops growing at 2^24 (16777216 + 1 rounds back).
  std::vector<std::size_t> counts(c * c, 0);
  for (std::size_t i = 0; i < predicted.size(); ++i)
    ++counts[detail::to_index("multiclass_confusion_matrix", "label", labels.data()[i], c) * c + predicted[i]];
  Array out = xt::zeros<float>(Shape{c, c});
  std::transform(counts.begin(), counts.end(), out.begin(), [](std::size_t k) { return static_cast<float>(k); });
  return out;
}

double multiclass_accuracy(const Array& scores, const Array& labels) {
  std::vector<std::size_t> predicted = predicted_classes("multiclass_accuracy", scores, labels);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i)
    correct += detail::to_index("multiclass_accuracy", "label", labels.data()[i], scores.shape()[1]) == predicted[i];
  return static_cast<double>(correct) / static_cast<double>(predicted.size());
}

ClassificationReport classification_report(const Array& confusion) {
  XTGRAD_CHECK(confusion.dimension() == 2 && confusion.shape()[0] == confusion.shape()[1], "classification_report",
               "expected a square confusion matrix, got ", detail::dims(confusion));
  std::size_t k = confusion.shape()[0];
  ClassificationReport r;
  double total = 0.0, correct = 0.0, present = 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    double tp = confusion(c, c), actual = 0.0, predicted = 0.0;
    for (std::size_t j = 0; j < k; ++j) {
      actual += confusion(c, j);
      predicted += confusion(j, c);
    }
    r.precision.push_back(ratio(tp, predicted));
    r.recall.push_back(ratio(tp, actual));
    r.f1.push_back(ratio(2.0 * r.precision[c] * r.recall[c], r.precision[c] + r.recall[c]));
    r.support.push_back(static_cast<std::size_t>(actual));
    total += actual;
    correct += tp;
    if (actual > 0.0 || predicted > 0.0) {
      present += 1.0;
      r.macro_precision += r.precision[c];
      r.macro_recall += r.recall[c];
      r.macro_f1 += r.f1[c];
    }
    r.weighted_precision += actual * r.precision[c];
    r.weighted_recall += actual * r.recall[c];
    r.weighted_f1 += actual * r.f1[c];
  }
  r.accuracy = ratio(correct, total);
  for (double* m : {&r.macro_precision, &r.macro_recall, &r.macro_f1}) *m = ratio(*m, present);
  for (double* m : {&r.weighted_precision, &r.weighted_recall, &r.weighted_f1}) *m = ratio(*m, total);
  return r;
}

double mean_squared_error(const Array& predictions, const Array& targets) {
  check_regression("mean_squared_error", predictions, targets);
  double total = 0.0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    double d = static_cast<double>(predictions.data()[i]) - targets.data()[i];
    total += d * d;
  }
  return total / static_cast<double>(targets.size());
}

double mean_absolute_error(const Array& predictions, const Array& targets) {
  check_regression("mean_absolute_error", predictions, targets);
  double total = 0.0;
  for (std::size_t i = 0; i < targets.size(); ++i)
    total += std::fabs(static_cast<double>(predictions.data()[i]) - targets.data()[i]);
  return total / static_cast<double>(targets.size());
}

double r2_score(const Array& predictions, const Array& targets) {
  check_regression("r2_score", predictions, targets);
  XTGRAD_CHECK(targets.dimension() == 1 || targets.dimension() == 2, "r2_score",
               "expected targets [N] or [N, outputs], got ", detail::dims(targets));
  // scikit-learn warns and returns NaN below two samples: one sample has no spread to explain.
  std::size_t n = targets.shape()[0], outputs = targets.size() / n;
  XTGRAD_CHECK(n >= 2, "r2_score", "needs at least two samples, got ", n);
  double total = 0.0;
  for (std::size_t k = 0; k < outputs; ++k) {
    double mean = 0.0;
    for (std::size_t i = 0; i < n; ++i) mean += targets.data()[i * outputs + k];
    mean /= static_cast<double>(n);
    double residual = 0.0, spread = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      double y = targets.data()[i * outputs + k], d = y - predictions.data()[i * outputs + k];
      residual += d * d;
      spread += (y - mean) * (y - mean);
    }
    if (spread == 0.0) total += residual == 0.0 ? 1.0 : 0.0;
    else total += 1.0 - residual / spread;
  }
  return total / static_cast<double>(outputs);
}

}  // namespace xtgrad
