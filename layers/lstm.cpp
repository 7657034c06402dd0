// LSTM modules on top of the fused lstm_layer op.
#include "lstm.hpp"

#include <cmath>
#include <stdexcept>

#include "../core/ops.hpp"
#include "lstm_layer.hpp"

namespace xtgrad {
namespace {

constexpr std::size_t kMaxSize = std::size_t{1} << 24;  // past this a size is surely a wrapped negative

void check_sizes(const char* what, std::size_t input_size, std::size_t hidden_size, std::size_t layers) {
  if (input_size == 0 || hidden_size == 0 || layers == 0 || input_size > kMaxSize || hidden_size > kMaxSize ||
      layers > 1024)
    throw std::invalid_argument(std::string(what) + ": invalid sizes input_size=" + std::to_string(input_size) +
                                ", hidden_size=" + std::to_string(hidden_size) + ", num_layers=" +
                                std::to_string(layers) + " (each must be positive and not absurdly large)");
}

// PyTorch initialises every LSTM weight and bias from U(−1/√H, 1/√H).
Tensor uniform_init(const Shape& shape, std::size_t hidden_size, Generator& gen) {
  float bound = 1.0f / std::sqrt(static_cast<float>(hidden_size));
  return rand(shape, gen, -bound, bound);
}

std::int64_t i64(std::size_t v) { return static_cast<std::int64_t>(v); }

// A size option read from a file: bounded like the constructors' own checks.
std::size_t size_option(const Value& config, const char* key, std::int64_t max = std::int64_t{1} << 24) {
  return static_cast<std::size_t>(config.get_int_in(key, 1, max));
}

}  // namespace

LSTMCell::LSTMCell(const LSTMCellOptions& options) : LSTMCell(options, default_generator()) {}

LSTMCell::LSTMCell(std::size_t in, std::size_t hidden, bool bias) : LSTMCell(LSTMCellOptions(in, hidden).bias(bias)) {}

LSTMCell::LSTMCell(std::size_t in, std::size_t hidden, bool bias, Generator& gen)
    : LSTMCell(LSTMCellOptions(in, hidden).bias(bias), gen) {}

LSTMCell::LSTMCell(const LSTMCellOptions& options, Generator& gen)
    : input_size(options.input_size()), hidden_size(options.hidden_size()), has_bias(options.bias()) {
  const std::size_t in = input_size, hidden = hidden_size;
  const bool bias = has_bias;
  check_sizes("LSTMCell", in, hidden, 1);
  weight_ih = register_parameter("weight_ih", uniform_init({4 * hidden, in}, hidden, gen));
  weight_hh = register_parameter("weight_hh", uniform_init({4 * hidden, hidden}, hidden, gen));
  if (bias) {
    bias_ih = register_parameter("bias_ih", uniform_init({4 * hidden}, hidden, gen));
    bias_hh = register_parameter("bias_hh", uniform_init({4 * hidden}, hidden, gen));
  }
}

LSTMState LSTMCell::forward(const Tensor& input, const std::optional<LSTMState>& state) {
  if (input.dim() != 2 || input.size(1) != input_size)
    throw std::invalid_argument("LSTMCell: expected input of shape [batch, " + std::to_string(input_size) +
                                "], got " + shape_str(input.shape()));
  std::size_t batch = input.size(0);
  Shape expected{batch, hidden_size};
  if (state && (state->h.shape() != expected || state->c.shape() != expected))
    throw std::invalid_argument("LSTMCell: expected h and c of shape " + shape_str(expected) + ", got " +
                                shape_str(state->h.shape()) + " and " + shape_str(state->c.shape()));
  Tensor h = state ? state->h : zeros(expected);
  Tensor c = state ? state->c : zeros(expected);
  // One step is an LSTM layer over a sequence of length 1.
  Tensor x = reshape(input, {1, i64(batch), i64(input_size)});
  LSTMLayerResult r = has_bias ? lstm_layer(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
                               : lstm_layer(x, h, c, weight_ih, weight_hh);
  return {r.h_n, r.c_n};
}

std::shared_ptr<LSTMCell> LSTMCell::from_config(const Value& config) {
  return std::make_shared<LSTMCell>(LSTMCellOptions(size_option(config, "input_size"), size_option(config, "hidden_size"))
                                        .bias(config.get_bool_or("bias", true)));
}

Value LSTMCell::config() const {
  Value c = Value::dict();
  c["input_size"] = input_size;
  c["hidden_size"] = hidden_size;
  c["bias"] = has_bias;
  return c;
}

std::string LSTMCell::extra_repr() const {
  return std::to_string(input_size) + ", " + std::to_string(hidden_size) + (has_bias ? "" : ", bias=false");
}

LSTM::LSTM(const LSTMOptions& options) : LSTM(options, default_generator()) {}

LSTM::LSTM(std::size_t in, std::size_t hidden, std::size_t layers, bool bias, bool batch_first)
    : LSTM(LSTMOptions(in, hidden).num_layers(layers).bias(bias).batch_first(batch_first)) {}

LSTM::LSTM(std::size_t in, std::size_t hidden, std::size_t layers, bool bias, bool first, Generator& gen)
    : LSTM(LSTMOptions(in, hidden).num_layers(layers).bias(bias).batch_first(first), gen) {}

LSTM::LSTM(const LSTMOptions& options, Generator& gen)
    : input_size(options.input_size()),
      hidden_size(options.hidden_size()),
      num_layers(options.num_layers()),
      has_bias(options.bias()),
      batch_first(options.batch_first()) {
  const std::size_t in = input_size, hidden = hidden_size, layers = num_layers;
  const bool bias = has_bias;
  check_sizes("LSTM", in, hidden, layers);
  for (std::size_t k = 0; k < layers; ++k) {
    std::string suffix = "_l" + std::to_string(k);
    std::size_t layer_in = k == 0 ? in : hidden;
    weight_ih.push_back(register_parameter("weight_ih" + suffix, uniform_init({4 * hidden, layer_in}, hidden, gen)));
    weight_hh.push_back(register_parameter("weight_hh" + suffix, uniform_init({4 * hidden, hidden}, hidden, gen)));
    if (bias) {
      bias_ih.push_back(register_parameter("bias_ih" + suffix, uniform_init({4 * hidden}, hidden, gen)));
      bias_hh.push_back(register_parameter("bias_hh" + suffix, uniform_init({4 * hidden}, hidden, gen)));
    }
  }
}

LSTMOutput LSTM::forward(const Tensor& input, const std::optional<LSTMState>& state) {
  LSTMOutput out = run_layers(input, state);
  if (batch_first) out.output = transpose(out.output, 0, 1);
  return out;
}

LSTMState LSTM::forward_state(const Tensor& input, const std::optional<LSTMState>& state) {
  return run_layers(input, state).state;
}

LSTMOutput LSTM::run_layers(const Tensor& input, const std::optional<LSTMState>& state) {
  if (input.dim() != 3 || input.size(2) != input_size || input.size(0) == 0 || input.size(1) == 0)
    throw std::invalid_argument(std::string("LSTM: expected input of shape ") +
                                (batch_first ? "[batch, steps, " : "[steps, batch, ") + std::to_string(input_size) +
                                "] (batch_first=" + (batch_first ? "true" : "false") + "), got " +
                                shape_str(input.shape()));
  Tensor x = batch_first ? transpose(input, 0, 1) : input;  // the layers run time-major
  std::size_t batch = x.size(1);
  Shape expected{num_layers, batch, hidden_size};
  if (state && (state->h.shape() != expected || state->c.shape() != expected))
    throw std::invalid_argument("LSTM: expected h0 and c0 of shape " + shape_str(expected) + ", got " +
                                shape_str(state->h.shape()) + " and " + shape_str(state->c.shape()));
  std::vector<Tensor> h_n, c_n;
  for (std::size_t k = 0; k < num_layers; ++k) {
    std::vector<std::int64_t> layer_state{i64(batch), i64(hidden_size)};
    Tensor h0 = state ? reshape(narrow(state->h, 0, k, 1), layer_state) : zeros({batch, hidden_size});
    Tensor c0 = state ? reshape(narrow(state->c, 0, k, 1), layer_state) : zeros({batch, hidden_size});
    LSTMLayerResult r = has_bias ? lstm_layer(x, h0, c0, weight_ih[k], weight_hh[k], bias_ih[k], bias_hh[k])
                                 : lstm_layer(x, h0, c0, weight_ih[k], weight_hh[k]);
    x = r.output;
    h_n.push_back(r.h_n);
    c_n.push_back(r.c_n);
  }
  return {x, {stack(h_n, 0), stack(c_n, 0)}};
}

std::shared_ptr<LSTM> LSTM::from_config(const Value& config) {
  return std::make_shared<LSTM>(LSTMOptions(size_option(config, "input_size"), size_option(config, "hidden_size"))
                                    .num_layers(size_option(config, "num_layers", 1024))
                                    .bias(config.get_bool_or("bias", true))
                                    .batch_first(config.get_bool_or("batch_first", false)));
}

Value LSTM::config() const {
  Value c = Value::dict();
  c["input_size"] = input_size;
  c["hidden_size"] = hidden_size;
  c["num_layers"] = num_layers;
  c["bias"] = has_bias;
  c["batch_first"] = batch_first;
  return c;
}

std::string LSTM::extra_repr() const {
  std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
  if (num_layers != 1) s += ", num_layers=" + std::to_string(num_layers);
  if (!has_bias) s += ", bias=false";
  if (batch_first) s += ", batch_first=true";
  return s;
}

LSTMClassifier::LSTMClassifier(std::size_t in, std::size_t hidden, std::size_t layers)
    : LSTMClassifier(in, hidden, layers, default_generator()) {}

LSTMClassifier::LSTMClassifier(std::size_t in, std::size_t hidden, std::size_t layers, Generator& gen)
    : lstm(register_module("lstm", std::make_shared<LSTM>(LSTMOptions(in, hidden).num_layers(layers).batch_first(true), gen))),
      fc(register_module("fc", std::make_shared<Linear>(hidden, 1, true, gen))) {}

std::shared_ptr<LSTMClassifier> LSTMClassifier::from_config(const Value& config) {
  return std::make_shared<LSTMClassifier>(size_option(config, "input_size"), size_option(config, "hidden_size"),
                                          size_option(config, "num_layers", 1024));
}

Value LSTMClassifier::config() const {
  Value c = Value::dict();
  c["input_size"] = lstm->input_size;
  c["hidden_size"] = lstm->hidden_size;
  c["num_layers"] = lstm->num_layers;
  return c;
}

Tensor LSTMClassifier::forward(const Tensor& input, const std::optional<LSTMState>& initial) {
  LSTMState state = lstm->forward_state(input, initial);
  // The last layer's h_n is the hidden state after the last time step.
  std::int64_t batch = i64(input.size(0)), hidden = i64(lstm->hidden_size);
  Tensor last = reshape(narrow(state.h, 0, lstm->num_layers - 1, 1), {batch, hidden});
  return (*fc)(last);
}

}  // namespace xtgrad
