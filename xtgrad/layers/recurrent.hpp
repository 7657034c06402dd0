// What LSTM and GRU (and their cells) share: options, parameters in PyTorch's layout and
// initialisation, config, and the sequence plumbing (batch_first, initial state, stacked layers
// with dropout between them, both directions). Each subclass supplies only its fused layer op.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/random.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// LSTMCellOptions(input_size, hidden_size).bias(false), and GRUCellOptions the same.
struct RecurrentCellOptions {
  RecurrentCellOptions(std::size_t input_size, std::size_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  RecurrentCellOptions& bias(bool on) {
    bias_ = on;
    return *this;
  }
  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  bool bias() const { return bias_; }

 private:
  std::size_t input_size_, hidden_size_;
  bool bias_ = true;
};
using LSTMCellOptions = RecurrentCellOptions;
using GRUCellOptions = RecurrentCellOptions;

/// LSTMOptions(input_size, hidden_size).num_layers(2).batch_first(true).bidirectional(true)
/// .dropout(0.2), as PyTorch's C++ frontend; GRUOptions the same.
struct RecurrentOptions {
  RecurrentOptions(std::size_t input_size, std::size_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  RecurrentOptions& num_layers(std::size_t n) {
    num_layers_ = n;
    return *this;
  }
  RecurrentOptions& bias(bool on) {
    bias_ = on;
    return *this;
  }
  RecurrentOptions& batch_first(bool on) {
    batch_first_ = on;
    return *this;
  }
  RecurrentOptions& bidirectional(bool on) {
    bidirectional_ = on;
    return *this;
  }
  /// Dropout on the outputs of every layer but the last, in training mode only.
  RecurrentOptions& dropout(double p) {
    dropout_ = p;
    return *this;
  }
  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  std::size_t num_layers() const { return num_layers_; }
  bool bias() const { return bias_; }
  bool batch_first() const { return batch_first_; }
  bool bidirectional() const { return bidirectional_; }
  double dropout() const { return dropout_; }

 private:
  std::size_t input_size_, hidden_size_, num_layers_ = 1;
  bool bias_ = true, batch_first_ = false, bidirectional_ = false;
  double dropout_ = 0.0;
};
using LSTMOptions = RecurrentOptions;
using GRUOptions = RecurrentOptions;

/// One step's parameters: weight_ih [G·H, I], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H]
/// (G gate blocks: 4 for LSTMCell, 3 for GRUCell), all drawn from U(−1/√H, 1/√H).
class RecurrentCell : public Module {
 public:
  Value config() const override;  ///< {"input_size", "hidden_size", "bias"}

  std::size_t input_size, hidden_size;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  bool has_bias;

 protected:
  RecurrentCell(const char* type, std::size_t gates, const RecurrentCellOptions& options, Generator& gen);
  static RecurrentCellOptions options_from(const Value& config);
  /// input [B, I], or [I] (PyTorch's unbatched form, a batch of one), checked and reshaped to a
  /// sequence of one step [1, B, I] for the layer op.
  Tensor as_one_step(const Tensor& input) const;
  /// The given state, checked against [B, H] ([H] for an unbatched input, returned as [1, H]), or
  /// zeros [B, H].
  Tensor state_or_zeros(const std::optional<Tensor>& state, const Tensor& input, const char* name) const;
  /// A result state [B, H] as the caller's input had it: [H] for an unbatched input.
  Tensor as_input_had_it(const Tensor& state, const Tensor& input) const;
  std::string extra_repr() const override;
};

/// A stack of layers in one or two directions. Per layer k and direction (suffix "" forward,
/// "_reverse" backward): weight_ih_l{k}{suffix} [G·H, I] (k = 0) or [G·H, D·H], weight_hh_l{k}{suffix}
/// [G·H, H], bias_ih_l{k}{suffix}, bias_hh_l{k}{suffix} [G·H], in PyTorch's order. Each layer
/// and direction runs as one fused op; the output concatenates the directions on its last dim.
class RecurrentStack : public Module {
 public:
  std::size_t num_directions() const { return bidirectional ? 2 : 1; }
  /// {"input_size", "hidden_size", "num_layers", "bias", "batch_first", "bidirectional", "dropout"}.
  Value config() const override;

  std::size_t input_size, hidden_size, num_layers;
  bool has_bias, batch_first, bidirectional;
  double dropout;
  /// Where the dropout between layers draws its masks; null: the thread's default generator.
  std::shared_ptr<Generator> dropout_generator;
  /// One per layer and direction, at index k · num_directions() + direction.
  std::vector<Tensor> weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  RecurrentStack(const char* type, std::size_t gates, const RecurrentOptions& options, Generator& gen);
  static RecurrentOptions options_from(const Value& config);

  struct Result {
    Tensor output;  ///< the last layer's h_t of both directions, [T, B, D·H] (time-major); unbatched: [T, D·H]
    std::vector<Tensor> state;  ///< each state component (h_n, and c_n for the LSTM), [L·D, B, H]; unbatched: [L·D, H]
  };
  /// Checks the input ([T, B, I], or [B, T, I] with batch_first; or one unbatched sequence [T, I])
  /// and the initial state (each component [L·D, B, H], or [L·D, H] for an unbatched input; named
  /// `state_names` in errors; empty: zeros) and runs every layer.
  Result run(const Tensor& input, const std::vector<Tensor>& state, std::size_t state_count, const char* state_names);
  /// Result::output in the input's layout: [B, T, D·H] again with batch_first (unbatched: as it is).
  Tensor in_input_layout(const Tensor& output) const;
  /// One layer in one direction as the fused op: x [T, B, in], the initial state's components
  /// [B, H] -> {output [T, B, H], each final component [B, H]}. `index` is k · D + direction.
  virtual std::vector<Tensor> run_layer(const Tensor& x, const std::vector<Tensor>& state, std::size_t index,
                                        bool reverse) = 0;
  std::string extra_repr() const override;
};

}  // namespace xtgrad

XTGRAD_API_END
