// The three tasks' streaming metrics for `xtgrad predict --labels-last`. Counts and sums are
// exact across chunks, so the figures equal those over all rows at once.
#include "predict_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "xtgrad/core/detail/check.hpp"

namespace xtgrad::cli {
namespace {

std::string label_text(float label) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", static_cast<double>(label));
  return text;
}

// Metrics over every chunk. ROC-AUC needs all scores at once, so each row's probability is kept
// (4 bytes a row, in two lists by label: the label is implied, and AUC then needs no index array).
class BinaryMetrics : public StreamingMetrics {
 public:
  void check_labels(const Array& labels, const ChunkPlace& place) const override {
    for (std::size_t r = 0; r < labels.size(); ++r)
      XTGRAD_CHECK(labels(r) == 0.0f || labels(r) == 1.0f, place.at(r).c_str(), "row ", place.first_row + r + 1,
                   " has label ", std::to_string(labels(r)), " in its last column; labels must be 0 or 1");
  }

  void add(const Array& p, const Array& labels) override {
    ConfusionMatrix m = confusion_matrix(p, labels);
    counts_.true_negatives += m.true_negatives;
    counts_.false_positives += m.false_positives;
    counts_.false_negatives += m.false_negatives;
    counts_.true_positives += m.true_positives;
    log_loss_sum_ += log_loss(p, labels) * static_cast<double>(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) (labels(i) == 1.0f ? positives_ : negatives_).push_back(p(i));
    rows_ += p.size();
  }

  std::string report() override {
    std::ostringstream out;
    const ConfusionMatrix& m = counts_;
    out << "rows: " << rows_
        << "\naccuracy: " << static_cast<double>(m.true_positives + m.true_negatives) / static_cast<double>(rows_)
        << "\n";
    out << "confusion: tn " << m.true_negatives << " fp " << m.false_positives << " fn " << m.false_negatives << " tp "
        << m.true_positives << " (threshold 0.5)\n";
    if (!positives_.empty() && !negatives_.empty()) out << "roc_auc: " << roc_auc() << "\n";
    else out << "roc_auc: undefined (only one class among the labels)\n";
    out << "log_loss: " << log_loss_sum_ / static_cast<double>(rows_) << "\n";
    return out.str();
  }

 private:
  // Mann-Whitney U, as xtgrad::roc_auc: each positive counts the negatives scored below it, and
  // half of those tied with it.
  double roc_auc() {
    std::sort(positives_.begin(), positives_.end());
    std::sort(negatives_.begin(), negatives_.end());
    double u = 0.0;
    std::size_t below = 0;
    for (std::size_t i = 0; i < positives_.size();) {
      float score = positives_[i];
      std::size_t same = i;
      while (same < positives_.size() && positives_[same] == score) ++same;
      while (below < negatives_.size() && negatives_[below] < score) ++below;
      std::size_t tied = below;
      while (tied < negatives_.size() && negatives_[tied] == score) ++tied;
      u += static_cast<double>(same - i) * (static_cast<double>(below) + 0.5 * static_cast<double>(tied - below));
      i = same;
    }
    return u / (static_cast<double>(positives_.size()) * static_cast<double>(negatives_.size()));
  }

  ConfusionMatrix counts_;
  double log_loss_sum_ = 0.0;
  std::vector<float> positives_, negatives_;
  std::size_t rows_ = 0;
};

// A C × C count matrix and the log-loss sum: all that the report needs.
class MulticlassMetrics : public StreamingMetrics {
 public:
  explicit MulticlassMetrics(std::vector<std::string> names)
      : names_(std::move(names)), confusion_(Array::from_shape({names_.size(), names_.size()})) {
    confusion_.fill(0.0f);
  }

  void check_labels(const Array& labels, const ChunkPlace& place) const override {
    const float classes = static_cast<float>(names_.size());
    for (std::size_t r = 0; r < labels.size(); ++r) {
      float y = labels(r);
      XTGRAD_CHECK(y >= 0.0f && y < classes && std::floor(y) == y, place.at(r).c_str(), "row ", place.first_row + r + 1,
                   " has label ", label_text(y), " in its last column; labels must be class indices 0 to ",
                   names_.size() - 1, " (whole numbers)");
    }
  }

  void add(const Array& p, const Array& labels) override {
    // Counted in double: a float count stops being exact past 2^24 rows.
    if (counts_.empty()) counts_.assign(names_.size() * names_.size(), 0.0);
    const std::size_t classes = names_.size();
    for (std::size_t r = 0; r < labels.size(); ++r) {
      auto y = static_cast<std::size_t>(labels(r));
      const float* row = &p(r, 0);
      std::size_t predicted = static_cast<std::size_t>(std::max_element(row, row + classes) - row);
      counts_[y * classes + predicted] += 1.0;
      // As scikit-learn 1.2's log_loss on float32 probabilities (and xtgrad::log_loss): each
      // clipped to [ε, 1 − ε], ε float32's epsilon, and the row renormalised before the log.
      const float eps = std::numeric_limits<float>::epsilon();
      double clipped_sum = 0.0;
      for (std::size_t c = 0; c < classes; ++c) clipped_sum += std::clamp(row[c], eps, 1.0f - eps);
      log_loss_sum_ -= std::log(static_cast<double>(std::clamp(row[y], eps, 1.0f - eps)) / clipped_sum);
    }
    rows_ += labels.size();
  }

  std::string report() override {
    const std::size_t classes = names_.size();
    for (std::size_t i = 0; i < counts_.size(); ++i) confusion_.data()[i] = static_cast<float>(counts_[i]);
    ClassificationReport r = classification_report(confusion_);
    std::ostringstream out;
    out << "rows: " << rows_ << "\naccuracy: " << r.accuracy
        << "\nlog_loss: " << log_loss_sum_ / static_cast<double>(rows_) << "\n";
    std::size_t name_width = 12;
    for (const std::string& name : names_) name_width = std::max(name_width, name.size());
    std::size_t cell = 6;
    for (const std::string& name : names_) cell = std::max(cell, name.size());
    out << "confusion (rows: true class, columns: predicted class):\n  " << pad("", name_width);
    for (const std::string& name : names_) out << " " << right(name, cell);
    out << "\n";
    for (std::size_t t = 0; t < classes; ++t) {
      out << "  " << pad(names_[t], name_width);
      for (std::size_t c = 0; c < classes; ++c)
        out << " " << right(std::to_string(static_cast<std::size_t>(counts_[t * classes + c])), cell);
      out << "\n";
    }
    out << "  " << pad("class", name_width) << "  precision     recall         f1    support\n";
    for (std::size_t c = 0; c < classes; ++c)
      line(out, names_[c], name_width, r.precision[c], r.recall[c], r.f1[c], r.support[c]);
    line(out, "macro avg", name_width, r.macro_precision, r.macro_recall, r.macro_f1, rows_);
    line(out, "weighted avg", name_width, r.weighted_precision, r.weighted_recall, r.weighted_f1, rows_);
    return out.str();
  }

 private:
  static std::string pad(const std::string& s, std::size_t width) {
    return s + std::string(width - std::min(width, s.size()), ' ');
  }
  static std::string right(const std::string& s, std::size_t width) {
    return std::string(width - std::min(width, s.size()), ' ') + s;
  }
  static void line(std::ostringstream& out, const std::string& name, std::size_t width, double p, double r, double f1,
                   std::size_t support) {
    char numbers[96];
    std::snprintf(numbers, sizeof numbers, " %10.6f %10.6f %10.6f %10zu\n", p, r, f1, support);
    out << "  " << pad(name, width) << numbers;
  }

  std::vector<std::string> names_;
  Array confusion_;
  std::vector<double> counts_;
  double log_loss_sum_ = 0.0;
  std::size_t rows_ = 0;
};

// Sums of errors, and the targets' mean and squared deviations by Welford's update, so R²'s
// denominator needs no second pass and does not cancel for targets far from zero.
class RegressionMetrics : public StreamingMetrics {
 public:
  void check_labels(const Array& labels, const ChunkPlace& place) const override {
    for (std::size_t r = 0; r < labels.size(); ++r)
      XTGRAD_CHECK(std::isfinite(labels(r)), place.at(r).c_str(), "row ", place.first_row + r + 1, " has target ",
                   label_text(labels(r)), " in its last column; targets must be finite numbers");
  }

  void add(const Array& values, const Array& labels) override {
    XTGRAD_CHECK(values.dimension() == 2 && values.shape()[1] == 1, "predict",
                 "--labels-last compares one predicted value per row with the last column, but this model gives ",
                 values.shape()[1], " values per row");
    for (std::size_t r = 0; r < labels.size(); ++r) {
      double y = labels(r), d = static_cast<double>(values(r, 0)) - y;
      squared_ += d * d;
      absolute_ += std::abs(d);
      ++rows_;
      double delta = y - mean_;
      mean_ += delta / static_cast<double>(rows_);
      deviations_ += delta * (y - mean_);
    }
  }

  std::string report() override {
    double mse = squared_ / static_cast<double>(rows_);
    // As xtgrad::r2_score (scikit-learn): constant targets give 1 when predicted exactly, else 0,
    // and one row has no R² (scikit-learn: NaN with a warning; xtgrad::r2_score refuses it).
    double r2 = deviations_ > 0.0 ? 1.0 - squared_ / deviations_ : (squared_ == 0.0 ? 1.0 : 0.0);
    std::ostringstream out;
    out << "rows: " << rows_ << "\nmse: " << mse << "\nrmse: " << std::sqrt(mse)
        << "\nmae: " << absolute_ / static_cast<double>(rows_) << "\nr2: ";
    if (rows_ < 2) out << "undefined (needs at least two rows)\n";
    else out << r2 << "\n";
    return out.str();
  }

 private:
  double squared_ = 0.0, absolute_ = 0.0, mean_ = 0.0, deviations_ = 0.0;
  std::size_t rows_ = 0;
};

}  // namespace

std::unique_ptr<StreamingMetrics> make_metrics(Task task, const std::vector<std::string>& class_names) {
  switch (task) {
    case Task::multiclass: return std::make_unique<MulticlassMetrics>(class_names);
    case Task::regression: return std::make_unique<RegressionMetrics>();
    default: return std::make_unique<BinaryMetrics>();
  }
}

}  // namespace xtgrad::cli
