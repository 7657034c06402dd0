// LSTMCell, LSTM and LSTMClassifier with PyTorch's shapes, parameter names and initialisation.
#pragma once

#include <optional>

#include "../core/random.hpp"
#include "linear.hpp"
#include "module.hpp"

namespace xtgrad {

/// Hidden and cell state: [B, H] for LSTMCell, [num_layers, B, H] for LSTM (also with batch_first).
struct LSTMState {
  Tensor h;
  Tensor c;
};

/// LSTMCellOptions(input_size, hidden_size).bias(false).
struct LSTMCellOptions {
  LSTMCellOptions(std::size_t input_size, std::size_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  LSTMCellOptions& bias(bool on) { bias_ = on; return *this; }
  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  bool bias() const { return bias_; }

 private:
  std::size_t input_size_, hidden_size_;
  bool bias_ = true;
};

/// LSTMOptions(input_size, hidden_size).num_layers(2).batch_first(true), as PyTorch's C++ frontend.
struct LSTMOptions {
  LSTMOptions(std::size_t input_size, std::size_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  LSTMOptions& num_layers(std::size_t n) { num_layers_ = n; return *this; }
  LSTMOptions& bias(bool on) { bias_ = on; return *this; }
  LSTMOptions& batch_first(bool on) { batch_first_ = on; return *this; }
  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  std::size_t num_layers() const { return num_layers_; }
  bool bias() const { return bias_; }
  bool batch_first() const { return batch_first_; }

 private:
  std::size_t input_size_, hidden_size_, num_layers_ = 1;
  bool bias_ = true, batch_first_ = false;
};

/// One step. Parameters weight_ih [4H, I], weight_hh [4H, H], bias_ih [4H], bias_hh [4H], gate
/// blocks i, f, g, o; all drawn from U(−1/√H, 1/√H).
class LSTMCell : public Module {
 public:
  explicit LSTMCell(const LSTMCellOptions& options);
  LSTMCell(const LSTMCellOptions& options, Generator& gen);
  LSTMCell(std::size_t input_size, std::size_t hidden_size, bool bias = true);
  LSTMCell(std::size_t input_size, std::size_t hidden_size, bool bias, Generator& gen);
  static std::shared_ptr<LSTMCell> from_config(const Value& config);

  /// input [B, I], state ([B, H], [B, H]) or zeros -> (h', c').
  LSTMState forward(const Tensor& input, const std::optional<LSTMState>& state);
  Tensor forward(const Tensor& input) override { return forward(input, std::nullopt).h; }
  std::string type_name() const override { return "LSTMCell"; }
  Value config() const override;

  std::size_t input_size, hidden_size;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  bool has_bias;

 protected:
  std::string extra_repr() const override;
};

struct LSTMOutput {
  Tensor output;      ///< every h_t of the last layer: [T, B, H], or [B, T, H] with batch_first
  LSTMState state;    ///< (h_n, c_n), each [num_layers, B, H]
};

/// Stacked LSTM. Per layer k: weight_ih_l{k} [4H, I] (k = 0) or [4H, H], weight_hh_l{k} [4H, H],
/// bias_ih_l{k}, bias_hh_l{k} [4H]. Each layer runs as one fused op (lstm_layer).
class LSTM : public Module {
 public:
  explicit LSTM(const LSTMOptions& options);
  LSTM(const LSTMOptions& options, Generator& gen);
  LSTM(std::size_t input_size, std::size_t hidden_size, std::size_t num_layers = 1, bool bias = true,
       bool batch_first = false);
  LSTM(std::size_t input_size, std::size_t hidden_size, std::size_t num_layers, bool bias, bool batch_first,
       Generator& gen);
  static std::shared_ptr<LSTM> from_config(const Value& config);

  /// input [T, B, I] ([B, T, I] with batch_first); state defaults to zeros.
  LSTMOutput forward(const Tensor& input, const std::optional<LSTMState>& state);
  Tensor forward(const Tensor& input) override { return forward(input, std::nullopt).output; }
  std::string type_name() const override { return "LSTM"; }
  Value config() const override;
  /// Only the final state (h_n, c_n): skips rearranging the output sequence for batch_first.
  LSTMState forward_state(const Tensor& input, const std::optional<LSTMState>& state);

  std::size_t input_size, hidden_size, num_layers;
  bool has_bias, batch_first;
  std::vector<Tensor> weight_ih, weight_hh, bias_ih, bias_hh;  // one per layer

 protected:
  std::string extra_repr() const override;

 private:
  LSTMOutput run_layers(const Tensor& input, const std::optional<LSTMState>& state);  // output time-major
};

/// LSTM (batch_first) then fc = Linear(H, 1) on the last time step's hidden state: one logit
/// per sequence. input [B, T, input_size] -> [B, 1]. Parameters lstm.* and fc.*.
class LSTMClassifier : public Module {
 public:
  LSTMClassifier(std::size_t input_size, std::size_t hidden_size, std::size_t num_layers = 1);
  LSTMClassifier(std::size_t input_size, std::size_t hidden_size, std::size_t num_layers, Generator& gen);
  static std::shared_ptr<LSTMClassifier> from_config(const Value& config);

  /// input [B, T, input_size], initial state ([num_layers, B, H] each) or zeros -> logits [B, 1].
  Tensor forward(const Tensor& input, const std::optional<LSTMState>& state);
  Tensor forward(const Tensor& input) override { return forward(input, std::nullopt); }
  std::string type_name() const override { return "LSTMClassifier"; }
  /// {"input_size", "hidden_size", "num_layers"}.
  Value config() const override;
  std::optional<InputSpec> input_spec() const override { return InputSpec{lstm->input_size, true}; }

  std::shared_ptr<LSTM> lstm;
  std::shared_ptr<Linear> fc;
};

}  // namespace xtgrad
