// The parameters, options and sequence plumbing shared by the recurrent modules.
#include "xtgrad/layers/recurrent.hpp"

#include <cmath>
#include <stdexcept>

#include "xtgrad/core/ops.hpp"
#include "xtgrad/layers/detail/repr.hpp"

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

// PyTorch initialises every recurrent weight and bias from U(−1/√H, 1/√H).
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

RecurrentCell::RecurrentCell(const char* type, std::size_t gates, const RecurrentCellOptions& options, Generator& gen)
    : input_size(options.input_size()), hidden_size(options.hidden_size()), has_bias(options.bias()) {
  check_sizes(type, input_size, hidden_size, 1);
  const std::size_t rows = gates * hidden_size;
  weight_ih = register_parameter("weight_ih", uniform_init({rows, input_size}, hidden_size, gen));
  weight_hh = register_parameter("weight_hh", uniform_init({rows, hidden_size}, hidden_size, gen));
  if (has_bias) {
    bias_ih = register_parameter("bias_ih", uniform_init({rows}, hidden_size, gen));
    bias_hh = register_parameter("bias_hh", uniform_init({rows}, hidden_size, gen));
  }
}

RecurrentCellOptions RecurrentCell::options_from(const Value& config) {
  return RecurrentCellOptions(size_option(config, "input_size"), size_option(config, "hidden_size"))
      .bias(config.get_bool_or("bias", true));
}

Tensor RecurrentCell::as_one_step(const Tensor& input) const {
  bool batched = input.dim() == 2;
  if ((!batched && input.dim() != 1) || input.size(-1) != input_size)
    throw std::invalid_argument(type_name() + ": expected input of shape [batch, " + std::to_string(input_size) +
                                "] or [" + std::to_string(input_size) + "], got " + shape_str(input.shape()));
  return reshape(input, {1, batched ? i64(input.size(0)) : 1, i64(input_size)});
}

Tensor RecurrentCell::state_or_zeros(const std::optional<Tensor>& state, const Tensor& input, const char* name) const {
  bool batched = input.dim() == 2;
  std::size_t batch = batched ? input.size(0) : 1;
  if (!state) return zeros({batch, hidden_size});
  Shape expected = batched ? Shape{batch, hidden_size} : Shape{hidden_size};
  if (state->shape() != expected)
    throw std::invalid_argument(type_name() + ": expected " + name + " of shape " + shape_str(expected) +
                                (batched ? "" : " for an unbatched input") + ", got " + shape_str(state->shape()));
  return batched ? *state : reshape(*state, {1, i64(hidden_size)});
}

Tensor RecurrentCell::as_input_had_it(const Tensor& state, const Tensor& input) const {
  return input.dim() == 2 ? state : reshape(state, {i64(hidden_size)});
}

Value RecurrentCell::config() const {
  Value c = Value::dict();
  c["input_size"] = input_size;
  c["hidden_size"] = hidden_size;
  c["bias"] = has_bias;
  return c;
}

std::string RecurrentCell::extra_repr() const {
  return std::to_string(input_size) + ", " + std::to_string(hidden_size) + (has_bias ? "" : ", bias=False");
}

RecurrentStack::RecurrentStack(const char* type, std::size_t gates, const RecurrentOptions& options, Generator& gen)
    : input_size(options.input_size()),
      hidden_size(options.hidden_size()),
      num_layers(options.num_layers()),
      has_bias(options.bias()),
      batch_first(options.batch_first()),
      bidirectional(options.bidirectional()),
      dropout(options.dropout()) {
  check_sizes(type, input_size, hidden_size, num_layers);
  if (!(dropout >= 0.0 && dropout <= 1.0))
    throw std::invalid_argument(std::string(type) + ": dropout has to be between 0 and 1, but got " +
                                std::to_string(dropout));
  const std::size_t rows = gates * hidden_size, H = hidden_size;
  for (std::size_t k = 0; k < num_layers; ++k) {
    for (std::size_t d = 0; d < num_directions(); ++d) {
      std::string suffix = "_l" + std::to_string(k) + (d == 1 ? "_reverse" : "");
      std::size_t layer_in = k == 0 ? input_size : num_directions() * H;
      weight_ih.push_back(register_parameter("weight_ih" + suffix, uniform_init({rows, layer_in}, H, gen)));
      weight_hh.push_back(register_parameter("weight_hh" + suffix, uniform_init({rows, H}, H, gen)));
      if (has_bias) {
        bias_ih.push_back(register_parameter("bias_ih" + suffix, uniform_init({rows}, H, gen)));
        bias_hh.push_back(register_parameter("bias_hh" + suffix, uniform_init({rows}, H, gen)));
      }
    }
  }
}

RecurrentOptions RecurrentStack::options_from(const Value& config) {
  return RecurrentOptions(size_option(config, "input_size"), size_option(config, "hidden_size"))
      .num_layers(size_option(config, "num_layers", 1024))
      .bias(config.get_bool_or("bias", true))
      .batch_first(config.get_bool_or("batch_first", false))
      .bidirectional(config.get_bool_or("bidirectional", false))  // absent from files older than the option
      .dropout(config.get_real_or("dropout", 0.0));
}

RecurrentStack::Result RecurrentStack::run(const Tensor& input, const std::vector<Tensor>& state,
                                           std::size_t state_count, const char* state_names) {
  // PyTorch 1.13 also takes one sequence without a batch dim, [T, I] whatever batch_first says,
  // with states [L·D, H]: it runs as a batch of one, and the outputs drop that dim again.
  const bool unbatched = input.dim() == 2;
  if ((input.dim() != 2 && input.dim() != 3) || input.size(-1) != input_size)
    throw std::invalid_argument(type_name() + ": expected input of shape " +
                                (batch_first ? "[batch, steps, " : "[steps, batch, ") + std::to_string(input_size) +
                                "] (batch_first=" + (batch_first ? "true" : "false") + ") or [steps, " +
                                std::to_string(input_size) + "] (unbatched), got " + shape_str(input.shape()));
  // A batch of 0 gives empty outputs and zero gradients, as in PyTorch, which refuses no steps.
  if (input.size(unbatched || !batch_first ? 0 : 1) == 0)
    throw std::invalid_argument(type_name() + ": expected a sequence length larger than 0, got input " +
                                shape_str(input.shape()));
  Tensor x = unbatched     ? unsqueeze(input, 1)     // a batch of one
             : batch_first ? transpose(input, 0, 1)  // the layers run time-major
                           : input;
  const std::size_t steps = x.size(0), batch = x.size(1), directions = num_directions(), rows = num_layers * directions;
  Shape expected = unbatched ? Shape{rows, hidden_size} : Shape{rows, batch, hidden_size};
  bool state_ok = state.empty() || state.size() == state_count;
  std::string got;
  for (const Tensor& s : state) {
    state_ok = state_ok && s.shape() == expected;
    got += (got.empty() ? "" : " and ") + shape_str(s.shape());
  }
  if (!state_ok)
    throw std::invalid_argument(type_name() + ": expected " + state_names + " of shape " + shape_str(expected) +
                                (unbatched ? " for unbatched input " + shape_str(input.shape()) : "") + ", got " + got);

  std::vector<std::vector<Tensor>> finals(state_count);  // per component, one [B, H] per layer and direction
  for (std::size_t k = 0; k < num_layers; ++k) {
    std::vector<Tensor> outputs;
    for (std::size_t d = 0; d < directions; ++d) {
      const std::size_t index = k * directions + d;
      std::vector<Tensor> initial;
      for (std::size_t i = 0; i < state_count; ++i)
        initial.push_back(state.empty() ? zeros({batch, hidden_size})
                                        : reshape(narrow(state[i], 0, index, 1), {i64(batch), i64(hidden_size)}));
      std::vector<Tensor> r = run_layer(x, initial, index, d == 1);
      outputs.push_back(r[0]);
      for (std::size_t i = 0; i < state_count; ++i) finals[i].push_back(r[i + 1]);
    }
    x = directions == 1 ? outputs[0] : concat(outputs, 2);
    // PyTorch's dropout between layers: on every layer's output but the last, while training.
    if (k + 1 < num_layers && dropout > 0.0 && is_training())
      x = xtgrad::dropout(x, static_cast<float>(dropout), true,
                          dropout_generator ? *dropout_generator : default_generator());
  }
  // An unbatched input gets its outputs back without the batch dim of one.
  Result result{unbatched ? reshape(x, {i64(steps), i64(directions * hidden_size)}) : x, {}};
  for (auto& component : finals) {
    Tensor stacked = stack(component, 0);
    result.state.push_back(unbatched ? reshape(stacked, {i64(rows), i64(hidden_size)}) : stacked);
  }
  return result;
}

Tensor RecurrentStack::in_input_layout(const Tensor& output) const {
  return batch_first && output.dim() == 3 ? transpose(output, 0, 1) : output;
}

Value RecurrentStack::config() const {
  Value c = Value::dict();
  c["input_size"] = input_size;
  c["hidden_size"] = hidden_size;
  c["num_layers"] = num_layers;
  c["bias"] = has_bias;
  c["batch_first"] = batch_first;
  c["bidirectional"] = bidirectional;
  c["dropout"] = dropout;
  return c;
}

// PyTorch's RNNBase.extra_repr: the sizes, then only the options that differ from the defaults.
std::string RecurrentStack::extra_repr() const {
  std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
  if (num_layers != 1) s += ", num_layers=" + std::to_string(num_layers);
  if (!has_bias) s += ", bias=False";
  if (batch_first) s += ", batch_first=True";
  if (dropout != 0.0) s += ", dropout=" + detail::float_repr(dropout);
  if (bidirectional) s += ", bidirectional=True";
  return s;
}

}  // namespace xtgrad
