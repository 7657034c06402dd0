// LSTMCell, LSTM and LSTMClassifier with PyTorch's shapes, parameter names and initialisation.
#pragma once

#include <optional>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/linear.hpp"
#include "xtgrad/layers/recurrent.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Hidden and cell state: [B, H] for LSTMCell, [num_layers · D, B, H] for LSTM (also with batch_first),
/// [num_layers · D, H] for an LSTM's unbatched input.
struct LSTMState {
  Tensor h;
  Tensor c;
};

/// One step. Parameters weight_ih [4H, I], weight_hh [4H, H], bias_ih [4H], bias_hh [4H], gate
/// blocks i, f, g, o; all drawn from U(−1/√H, 1/√H).
class LSTMCell : public RecurrentCell {
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
};

struct LSTMOutput {
  Tensor output;    ///< every h_t of the last layer: [T, B, D·H], [B, T, D·H] with batch_first, [T, D·H] unbatched
  LSTMState state;  ///< (h_n, c_n), each [num_layers · D, B, H] (unbatched: [num_layers · D, H]): layer by
                    ///< layer, forward then reverse
};

/// Stacked, optionally bidirectional LSTM (D = 2 directions with bidirectional, else 1). Per
/// layer k: weight_ih_l{k} [4H, I] (k = 0) or [4H, D·H], weight_hh_l{k} [4H, H], bias_ih_l{k},
/// bias_hh_l{k} [4H], and the same with "_reverse" for the backward direction. Each layer and
/// direction runs as one fused op (lstm_layer).
class LSTM : public RecurrentStack {
 public:
  explicit LSTM(const LSTMOptions& options);
  LSTM(const LSTMOptions& options, Generator& gen);
  LSTM(std::size_t input_size, std::size_t hidden_size, std::size_t num_layers = 1, bool bias = true,
       bool batch_first = false);
  LSTM(std::size_t input_size, std::size_t hidden_size, std::size_t num_layers, bool bias, bool batch_first,
       Generator& gen);
  static std::shared_ptr<LSTM> from_config(const Value& config);

  /// input [T, B, I] ([B, T, I] with batch_first), or one unbatched sequence [T, I] whatever
  /// batch_first says (then the states and outputs have no batch dim either, as PyTorch's);
  /// state defaults to zeros.
  LSTMOutput forward(const Tensor& input, const std::optional<LSTMState>& state);
  Tensor forward(const Tensor& input) override { return forward(input, std::nullopt).output; }
  std::string type_name() const override { return "LSTM"; }
  /// Only the final state (h_n, c_n): skips rearranging the output sequence for batch_first.
  LSTMState forward_state(const Tensor& input, const std::optional<LSTMState>& state);

 protected:
  std::vector<Tensor> run_layer(const Tensor& x, const std::vector<Tensor>& state, std::size_t index,
                                bool reverse) override;
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

XTGRAD_API_END
