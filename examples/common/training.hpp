// The training pieces every example shares: an optimizer by name, one epoch of shuffled
// mini-batches, evaluation, a copy of the best weights, and the per-epoch metrics log.
#pragma once

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <xtgrad/xtgrad.hpp>

#include "datasets.hpp"

namespace xtgrad::examples {

/// "sgd" (momentum 0.9), "adam" or "adamw" (weight decay 1e-2) with learning rate lr.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::vector<Tensor>& params, double lr);

struct EpochResult {
  double loss = 0;      ///< mean BCE-with-logits loss over the epoch's samples
  double accuracy = 0;  ///< fraction right, measured on each batch as it was trained
};

/// One pass over `data` in mini-batches of `batch_size` (the last may be smaller), in an order
/// shuffled by gen. Per batch: zero_grad, loss = BCEWithLogitsLoss(model(x), y), backward,
/// clip_grad_norm_(clip_norm) when clip_norm > 0, step. The model outputs one logit per row.
/// With stop_on_nonfinite (the default), a loss that becomes NaN or infinite throws
/// std::runtime_error naming the epoch and the batch, before the optimizer takes that step.
EpochResult train_epoch(Module& model, Optimizer& optimizer, const Dataset& data, std::size_t batch_size,
                        Generator& gen, double clip_norm = 0.0, int epoch = 0, bool stop_on_nonfinite = true);

/// A batch's mean loss: the model's output against the batch's rows of data.y.
using BatchLoss = std::function<Tensor(const Tensor& output, const Array& targets)>;
/// How many of a batch's rows the output gets right (for EpochResult::accuracy).
using BatchHits = std::function<std::size_t(const Array& output, const Array& targets)>;

/// The same loop with any loss (cross-entropy for classes, MSE for values...); accuracy counts
/// `hits` per batch, and stays 0 when hits is empty.
EpochResult train_epoch(Module& model, Optimizer& optimizer, const Dataset& data, std::size_t batch_size,
                        Generator& gen, const BatchLoss& loss, const BatchHits& hits, double clip_norm = 0.0,
                        int epoch = 0, bool stop_on_nonfinite = true);

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  Array probabilities;  ///< σ(logit) per row, [N]
};

/// The model on all of `data` in eval mode, without recording: loss, accuracy at p > 0.5 and
/// the probabilities (for losses/metrics.hpp).
Evaluation evaluate(Module& model, const Dataset& data);

/// "loss 0.3100  acc 88.0%  val loss 0.3500  acc 86.5%": an epoch's numbers for Progress, with
/// `held_out_name` ("val", "test") naming the evaluated set.
std::string epoch_summary(const EpochResult& trained, const std::string& held_out_name, const Evaluation& held_out);

/// A copy of a module's state (parameters and buffers, such as BatchNorm's running statistics),
/// restored later (early stopping keeps the best epoch).
class Snapshot {
 public:
  explicit Snapshot(const Module& module);
  void restore(Module& module) const;

 private:
  std::vector<Array> values_;
};

/// Early stopping on a validation loss: keeps the weights of the best epoch so far, says when
/// `patience` epochs have passed without a better loss, and puts the best weights back.
class EarlyStopping {
 public:
  EarlyStopping(const Module& model, int patience) : best_(model), patience_(patience) {}
  /// Whether to train epoch `epoch` (1-based): fewer than patience + 1 epochs since the best.
  bool keep_going(int epoch) const { return epoch - best_epoch_ <= patience_; }
  /// After epoch `epoch`: remembers the weights when `loss` is the lowest so far.
  void observe(const Module& model, int epoch, double loss);
  void restore_best(Module& model) const { best_.restore(model); }
  int best_epoch() const { return best_epoch_; }
  double best_loss() const { return best_loss_; }

 private:
  Snapshot best_;
  int patience_, best_epoch_ = 0;
  double best_loss_ = std::numeric_limits<double>::infinity();
};

/// Numbers per epoch under named columns; the first column is "epoch".
class MetricsLog {
 public:
  explicit MetricsLog(std::vector<std::string> columns);
  void add(const std::vector<double>& row);  ///< one value per column
  std::vector<double> column(const std::string& name) const;
  std::size_t rows() const { return rows_.size(); }
  std::string to_csv() const;  ///< header line, then one line per row

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> rows_;
};

}  // namespace xtgrad::examples
