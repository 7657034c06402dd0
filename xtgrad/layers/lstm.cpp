// LSTM modules on top of the fused lstm_layer op.
#include "xtgrad/layers/lstm.hpp"

#include <stdexcept>

#include "xtgrad/core/ops.hpp"
#include "xtgrad/layers/lstm_layer.hpp"

namespace xtgrad {

LSTMCell::LSTMCell(const LSTMCellOptions& options) : LSTMCell(options, default_generator()) {}

LSTMCell::LSTMCell(std::size_t in, std::size_t hidden, bool bias) : LSTMCell(LSTMCellOptions(in, hidden).bias(bias)) {}

LSTMCell::LSTMCell(std::size_t in, std::size_t hidden, bool bias, Generator& gen)
    : LSTMCell(LSTMCellOptions(in, hidden).bias(bias), gen) {}

LSTMCell::LSTMCell(const LSTMCellOptions& options, Generator& gen) : RecurrentCell("LSTMCell", 4, options, gen) {}

std::shared_ptr<LSTMCell> LSTMCell::from_config(const Value& config) {
  return std::make_shared<LSTMCell>(options_from(config));
}

LSTMState LSTMCell::forward(const Tensor& input, const std::optional<LSTMState>& state) {
  // One step is an LSTM layer over a sequence of length 1.
  Tensor x = as_one_step(input);
  Tensor h = state_or_zeros(state ? std::optional<Tensor>(state->h) : std::nullopt, input, "h");
  Tensor c = state_or_zeros(state ? std::optional<Tensor>(state->c) : std::nullopt, input, "c");
  LSTMLayerResult r = has_bias ? lstm_layer(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
                               : lstm_layer(x, h, c, weight_ih, weight_hh);
  return {as_input_had_it(r.h_n, input), as_input_had_it(r.c_n, input)};
}

LSTM::LSTM(const LSTMOptions& options) : LSTM(options, default_generator()) {}

LSTM::LSTM(std::size_t in, std::size_t hidden, std::size_t layers, bool bias, bool batch_first)
    : LSTM(LSTMOptions(in, hidden).num_layers(layers).bias(bias).batch_first(batch_first)) {}

LSTM::LSTM(std::size_t in, std::size_t hidden, std::size_t layers, bool bias, bool first, Generator& gen)
    : LSTM(LSTMOptions(in, hidden).num_layers(layers).bias(bias).batch_first(first), gen) {}

LSTM::LSTM(const LSTMOptions& options, Generator& gen) : RecurrentStack("LSTM", 4, options, gen) {}

std::shared_ptr<LSTM> LSTM::from_config(const Value& config) { return std::make_shared<LSTM>(options_from(config)); }

std::vector<Tensor> LSTM::run_layer(const Tensor& x, const std::vector<Tensor>& state, std::size_t index,
                                    bool reverse) {
  std::optional<Tensor> b_ih, b_hh;
  if (has_bias) b_ih = bias_ih[index], b_hh = bias_hh[index];
  LSTMLayerResult r = lstm_layer(x, state[0], state[1], weight_ih[index], weight_hh[index], b_ih, b_hh, reverse);
  return {r.output, r.h_n, r.c_n};
}

LSTMOutput LSTM::forward(const Tensor& input, const std::optional<LSTMState>& state) {
  Result r = run(input, state ? std::vector<Tensor>{state->h, state->c} : std::vector<Tensor>{}, 2, "h0 and c0");
  return {in_input_layout(r.output), {r.state[0], r.state[1]}};
}

LSTMState LSTM::forward_state(const Tensor& input, const std::optional<LSTMState>& state) {
  Result r = run(input, state ? std::vector<Tensor>{state->h, state->c} : std::vector<Tensor>{}, 2, "h0 and c0");
  return {r.state[0], r.state[1]};
}

LSTMClassifier::LSTMClassifier(std::size_t in, std::size_t hidden, std::size_t layers)
    : LSTMClassifier(in, hidden, layers, default_generator()) {}

LSTMClassifier::LSTMClassifier(std::size_t in, std::size_t hidden, std::size_t layers, Generator& gen)
    : lstm(register_module("lstm",
                           std::make_shared<LSTM>(LSTMOptions(in, hidden).num_layers(layers).batch_first(true), gen))),
      fc(register_module("fc", std::make_shared<Linear>(hidden, 1, true, gen))) {}

std::shared_ptr<LSTMClassifier> LSTMClassifier::from_config(const Value& config) {
  return std::make_shared<LSTMClassifier>(static_cast<std::size_t>(config.get_int_in("input_size", 1, 1 << 24)),
                                          static_cast<std::size_t>(config.get_int_in("hidden_size", 1, 1 << 24)),
                                          static_cast<std::size_t>(config.get_int_in("num_layers", 1, 1024)));
}

Value LSTMClassifier::config() const {
  Value c = Value::dict();
  c["input_size"] = lstm->input_size;
  c["hidden_size"] = lstm->hidden_size;
  c["num_layers"] = lstm->num_layers;
  return c;
}

Tensor LSTMClassifier::forward(const Tensor& input, const std::optional<LSTMState>& initial) {
  // The LSTM would take an unbatched [T, I] too, but a classifier's rows are its batch.
  if (input.dim() != 3)
    throw std::invalid_argument("LSTMClassifier: expected input of shape [batch, steps, " +
                                std::to_string(lstm->input_size) + "], got " + shape_str(input.shape()));
  LSTMState state = lstm->forward_state(input, initial);
  // The last layer's h_n is the hidden state after the last time step.
  auto batch = static_cast<std::int64_t>(input.size(0)), hidden = static_cast<std::int64_t>(lstm->hidden_size);
  Tensor last = reshape(narrow(state.h, 0, lstm->num_layers - 1, 1), {batch, hidden});
  return (*fc)(last);
}

}  // namespace xtgrad
