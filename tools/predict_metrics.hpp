// What `xtgrad predict --labels-last` reports, accumulated chunk by chunk: each task's metrics
// keep only what the final figures need (counts and sums; for ROC-AUC, one float a row).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <xtgrad/xtgrad.hpp>
#include "predict.hpp"

namespace xtgrad::cli {

/// Where a chunk's rows are, for errors: row r of the chunk is line first_line + r of `source`,
/// and row first_row + r + 1 of the data; its label is in column `column`.
struct ChunkPlace {
  std::string source;
  std::size_t first_line = 1, first_row = 0, column = 1;
  /// "file:line:column" of row r's label.
  std::string at(std::size_t r) const {
    return source + ":" + std::to_string(first_line + r) + ":" + std::to_string(column);
  }
};

class StreamingMetrics {
 public:
  virtual ~StreamingMetrics() = default;
  /// Checks the labels [n] of a chunk's rows (the last CSV column); errors name the file, line and row.
  virtual void check_labels(const Array& labels, const ChunkPlace& place) const = 0;
  /// A chunk's predictions (predict_rows' values) and its checked labels.
  virtual void add(const Array& values, const Array& labels) = 0;
  /// The report, one "name: value" per line (plus tables for multiclass).
  virtual std::string report() = 0;
};

/// Binary: accuracy, confusion counts at 0.5, ROC-AUC, log-loss; labels 0 or 1.
/// Multiclass: accuracy, the C × C confusion matrix, per-class precision/recall/F1 with macro and
/// weighted averages, log-loss (scikit-learn's clipping at float32's epsilon, rows renormalised);
/// labels whole numbers in [0, C).
/// Regression: MSE, RMSE, MAE and R² (undefined for one row) of one output against finite targets.
std::unique_ptr<StreamingMetrics> make_metrics(Task task, const std::vector<std::string>& class_names);

}  // namespace xtgrad::cli
