// The mini-batch loop in one place: it is the same for an MLP on points and an LSTM on
// sequences, since both map a batch [B, ...] to logits [B, 1].
#include "training.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

#include "report.hpp"
#include "split.hpp"

namespace xtgrad::examples {

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::vector<Tensor>& params, double lr) {
  if (name == "sgd") return std::make_unique<SGD>(params, lr, /*momentum=*/0.9);
  if (name == "adam") return std::make_unique<Adam>(params, AdamOptions(lr));
  if (name == "adamw") return std::make_unique<AdamW>(params, AdamOptions(lr));  // weight_decay 1e-2
  throw std::invalid_argument("make_optimizer: expected sgd, adam or adamw, got '" + name + "'");
}

EpochResult train_epoch(Module& model, Optimizer& optimizer, const Dataset& data, std::size_t batch_size,
                        Generator& gen, const BatchLoss& loss_of, const BatchHits& hits_of, double clip_norm, int epoch,
                        bool stop_on_nonfinite) {
  if (batch_size == 0) throw std::invalid_argument("train_epoch: batch_size must be positive");
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  shuffle(order, gen);
  model.train();
  double loss_sum = 0.0;
  std::size_t hits = 0;
  for (std::size_t start = 0; start < order.size(); start += batch_size) {
    std::vector<std::size_t> rows(order.begin() + static_cast<std::ptrdiff_t>(start),
                                  order.begin() +
                                      static_cast<std::ptrdiff_t>(std::min(start + batch_size, order.size())));
    Dataset batch = take_rows(data, rows);
    optimizer.zero_grad();
    Tensor output = model(Tensor(batch.x));
    Tensor loss = loss_of(output, batch.y);
    if (stop_on_nonfinite && !std::isfinite(loss.item()))
      throw std::runtime_error(std::string("training diverged: the loss is ") +
                               (std::isnan(loss.item()) ? "NaN"
                                : loss.item() > 0       ? "+Inf"
                                                        : "-Inf") +
                               " at epoch " + std::to_string(epoch) + ", batch " +
                               std::to_string(start / batch_size + 1) +
                               " (try a lower learning rate, or check the data for NaN or Inf)");
    loss.backward();
    if (clip_norm > 0.0) clip_grad_norm_(optimizer.params(), clip_norm);
    optimizer.step();

    loss_sum += static_cast<double>(loss.item()) * static_cast<double>(rows.size());
    if (hits_of) hits += hits_of(output.value(), batch.y);
  }
  double n = static_cast<double>(std::max<std::size_t>(order.size(), 1));
  return {loss_sum / n, static_cast<double>(hits) / n};
}

EpochResult train_epoch(Module& model, Optimizer& optimizer, const Dataset& data, std::size_t batch_size,
                        Generator& gen, double clip_norm, int epoch, bool stop_on_nonfinite) {
  auto bce = [](const Tensor& logits, const Array& y) {
    return binary_cross_entropy_with_logits(logits, Tensor(y));  // BCEWithLogitsLoss, mean
  };
  auto hits = [](const Array& logits, const Array& y) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < y.shape()[0]; ++i) n += (logits(i, 0) > 0.0f) == (y(i, 0) > 0.5f);
    return n;
  };
  return train_epoch(model, optimizer, data, batch_size, gen, bce, hits, clip_norm, epoch, stop_on_nonfinite);
}

Evaluation evaluate(Module& model, const Dataset& data) {
  NoGrad no_grad;
  bool was_training = model.is_training();
  model.eval();
  Tensor logits = model(Tensor(data.x));
  model.train(was_training);
  Evaluation result;
  result.loss = binary_cross_entropy_with_logits(logits, Tensor(data.y)).item();
  result.probabilities = sigmoid(logits).value();
  result.probabilities.reshape({data.size()});
  result.accuracy = accuracy(result.probabilities, data.y);
  return result;
}

std::string epoch_summary(const EpochResult& trained, const std::string& held_out_name, const Evaluation& held_out) {
  return "loss " + fixed(trained.loss) + "  acc " + percent(trained.accuracy) + "  " + held_out_name + " loss " +
         fixed(held_out.loss) + "  acc " + percent(held_out.accuracy);
}

Snapshot::Snapshot(const Module& module) {
  for (const auto& entry : module.state_dict()) values_.push_back(entry.second.value());
}

void Snapshot::restore(Module& module) const {
  NamedTensors state = module.state_dict();
  if (state.size() != values_.size()) throw std::logic_error("Snapshot::restore: the module's state changed");
  for (std::size_t k = 0; k < state.size(); ++k) state[k].second.mutable_value() = values_[k];
}

void EarlyStopping::observe(const Module& model, int epoch, double loss) {
  if (!(loss < best_loss_)) return;
  best_loss_ = loss;
  best_epoch_ = epoch;
  best_ = Snapshot(model);
}

MetricsLog::MetricsLog(std::vector<std::string> columns) : columns_(std::move(columns)) {}

void MetricsLog::add(const std::vector<double>& row) {
  if (row.size() != columns_.size())
    throw std::invalid_argument("MetricsLog::add: expected " + std::to_string(columns_.size()) + " values, got " +
                                std::to_string(row.size()));
  rows_.push_back(row);
}

std::vector<double> MetricsLog::column(const std::string& name) const {
  auto found = std::find(columns_.begin(), columns_.end(), name);
  if (found == columns_.end()) throw std::invalid_argument("MetricsLog::column: no column '" + name + "'");
  auto k = static_cast<std::size_t>(found - columns_.begin());
  std::vector<double> out;
  for (const auto& row : rows_) out.push_back(row[k]);
  return out;
}

std::string MetricsLog::to_csv() const {
  std::string out;
  for (std::size_t k = 0; k < columns_.size(); ++k) out += (k ? "," : "") + columns_[k];
  out += "\n";
  char number[32];
  for (const auto& row : rows_) {
    for (std::size_t k = 0; k < row.size(); ++k) {
      std::snprintf(number, sizeof number, "%.9g", row[k]);
      out += (k ? "," : "") + std::string(number);
    }
    out += "\n";
  }
  return out;
}

}  // namespace xtgrad::examples
