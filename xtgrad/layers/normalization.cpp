// LayerNorm and BatchNorm1d over the fused layer_norm and batch_norm ops; the modules own the
// options, the parameters and (BatchNorm) the running statistics and their update schedule.
#include "xtgrad/layers/normalization.hpp"

#include <cmath>
#include <stdexcept>

#include "xtgrad/core/ops.hpp"
#include "xtgrad/layers/detail/repr.hpp"

namespace xtgrad {
namespace {

constexpr std::int64_t kMaxSize = std::int64_t{1} << 24;

double checked_eps(const char* type, double eps) {
  if (!(eps >= 0.0 && std::isfinite(eps)))
    throw std::invalid_argument(std::string(type) + ": eps must be finite and non-negative, got " +
                                std::to_string(eps));
  return eps;
}

}  // namespace

LayerNorm::LayerNorm(const LayerNormOptions& opts) : options(opts) {
  std::size_t width = 1;
  for (std::size_t d : options.normalized_shape()) {
    if (d == 0 || d > static_cast<std::size_t>(kMaxSize) / width)
      throw std::invalid_argument("LayerNorm: normalized_shape " + shape_str(options.normalized_shape()) +
                                  " must be non-empty with positive sizes (at most 2^24 values)");
    width *= d;
  }
  if (options.normalized_shape().empty()) throw std::invalid_argument("LayerNorm: normalized_shape must not be empty");
  checked_eps("LayerNorm", options.eps());
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", ones(options.normalized_shape()));
    if (options.bias()) bias = register_parameter("bias", zeros(options.normalized_shape()));
  }
}

std::shared_ptr<LayerNorm> LayerNorm::from_config(const Value& c) {
  const Value& dims = c.at("normalized_shape");
  if (!dims.is_list() || dims.size() == 0 || dims.size() > 8)
    throw std::invalid_argument("'normalized_shape' must be a list of 1 to 8 sizes");
  Shape shape;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    std::int64_t d = dims[i].as_int();
    if (d < 1 || d > kMaxSize) throw std::invalid_argument("'normalized_shape' sizes must be from 1 to 16777216");
    shape.push_back(static_cast<std::size_t>(d));
  }
  return std::make_shared<LayerNorm>(LayerNormOptions(shape)
                                         .eps(c.get_real_or("eps", 1e-5))
                                         .elementwise_affine(c.get_bool_or("elementwise_affine", true))
                                         .bias(c.get_bool_or("bias", true)));
}

Tensor LayerNorm::forward(const Tensor& input) {
  std::optional<Tensor> w, b;
  if (options.elementwise_affine()) w = weight;
  if (options.elementwise_affine() && options.bias()) b = bias;
  return layer_norm(input, options.normalized_shape(), w, b, options.eps());
}

Value LayerNorm::config() const {
  Value c = Value::dict();
  Value dims = Value::list();
  for (std::size_t d : options.normalized_shape()) dims.push_back(d);
  c["normalized_shape"] = dims;
  c["eps"] = options.eps();
  c["elementwise_affine"] = options.elementwise_affine();
  c["bias"] = options.bias();
  return c;
}

// normalized_shape as the Python tuple PyTorch keeps: "(4,)", "(3, 4)". PyTorch 1.13 has no
// bias option, and later versions do not print it, so neither do we.
std::string LayerNorm::extra_repr() const {
  const Shape& shape = options.normalized_shape();
  std::string dims;
  for (std::size_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  return "(" + dims + (shape.size() == 1 ? ",)" : ")") + ", eps=" + detail::float_repr(options.eps()) +
         ", elementwise_affine=" + detail::bool_repr(options.elementwise_affine());
}

BatchNorm1d::BatchNorm1d(const BatchNormOptions& opts) : options(opts) {
  const std::size_t c = options.num_features();
  if (c == 0 || c > static_cast<std::size_t>(kMaxSize))
    throw std::invalid_argument("BatchNorm1d: num_features must be from 1 to 16777216, got " + std::to_string(c));
  checked_eps("BatchNorm1d", options.eps());
  if (options.momentum() && !std::isfinite(*options.momentum()))
    throw std::invalid_argument("BatchNorm1d: momentum must be finite, got " + std::to_string(*options.momentum()));
  if (options.affine()) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    // An int64 in PyTorch; a float32 counts exactly to 2^24 batches, and tools/torch_json.py
    // converts it both ways, refusing counts past that.
    num_batches_tracked = register_buffer("num_batches_tracked", scalar(0.0f));
  }
}

std::shared_ptr<BatchNorm1d> BatchNorm1d::from_config(const Value& c) {
  std::optional<double> momentum = 0.1;
  if (c.contains("momentum"))
    momentum = c.at("momentum").is_null() ? std::nullopt : std::optional<double>(c.get_real("momentum"));
  return std::make_shared<BatchNorm1d>(
      BatchNormOptions(static_cast<std::size_t>(c.get_int_in("num_features", 1, kMaxSize)))
          .eps(c.get_real_or("eps", 1e-5))
          .momentum(momentum)
          .affine(c.get_bool_or("affine", true))
          .track_running_stats(c.get_bool_or("track_running_stats", true)));
}

// The buffers may come from a file: a count that is not a whole number (or is negative) would make
// the cumulative factor wrong or infinite, and a negative or non-finite variance gives NaN in eval.
void BatchNorm1d::check_running_statistics(float batches, bool training) const {
  if (!(batches >= 0.0f && batches <= 16777216.0f && batches == std::floor(batches)))
    throw std::invalid_argument("BatchNorm1d: num_batches_tracked must be a whole number from 0 to 2^24, got " +
                                std::to_string(batches));
  if (training) return;  // training normalises with the batch's statistics and overwrites these
  const Array& mean = running_mean.value();
  const Array& var = running_var.value();
  for (std::size_t k = 0; k < var.size(); ++k)
    if (!std::isfinite(mean.data()[k]) || !(var.data()[k] >= 0.0f) || !std::isfinite(var.data()[k]))
      throw std::invalid_argument("BatchNorm1d: running_mean[" + std::to_string(k) +
                                  "] = " + std::to_string(mean.data()[k]) + " and running_var[" + std::to_string(k) +
                                  "] = " + std::to_string(var.data()[k]) +
                                  ": the mean must be finite and the variance finite "
                                  "and >= 0");
}

Tensor BatchNorm1d::forward(const Tensor& input) {
  const std::size_t c = options.num_features();
  if ((input.dim() != 2 && input.dim() != 3) || input.size(1) != c)
    throw std::invalid_argument("BatchNorm1d: expected input [N, " + std::to_string(c) + "] or [N, " +
                                std::to_string(c) + ", L] (num_features=" + std::to_string(c) + "), got " +
                                shape_str(input.shape()));
  const bool tracking = options.track_running_stats();
  const bool counting = is_training() && tracking;
  float& batches = num_batches_tracked.mutable_value().data()[0];
  if (tracking) check_running_statistics(batches, is_training());
  // Without a momentum, running = the average of every batch so far: factor 1/count, this one included.
  double factor = options.momentum() ? *options.momentum()
                  : counting         ? 1.0 / (static_cast<double>(batches) + 1.0)
                                     : 0.0;
  std::optional<Tensor> rm, rv, w, b;
  if (tracking) rm = running_mean, rv = running_var;
  if (options.affine()) w = weight, b = bias;
  // Batch statistics in training, and in eval too when no running ones are kept (as PyTorch).
  Tensor out = batch_norm(input, rm, rv, w, b, is_training() || !tracking, factor, options.eps());
  if (counting) batches += 1.0f;  // after the op's checks passed, so a refused batch counts for nothing
  return out;
}

Value BatchNorm1d::config() const {
  Value c = Value::dict();
  c["num_features"] = options.num_features();
  c["eps"] = options.eps();
  c["momentum"] = options.momentum() ? Value(*options.momentum()) : Value();
  c["affine"] = options.affine();
  c["track_running_stats"] = options.track_running_stats();
  return c;
}

std::optional<InputSpec> BatchNorm1d::input_spec() const { return InputSpec{options.num_features(), false}; }

std::string BatchNorm1d::extra_repr() const {
  return std::to_string(options.num_features()) + ", eps=" + detail::float_repr(options.eps()) +
         ", momentum=" + (options.momentum() ? detail::float_repr(*options.momentum()) : "None") +
         ", affine=" + detail::bool_repr(options.affine()) +
         ", track_running_stats=" + detail::bool_repr(options.track_running_stats());
}

}  // namespace xtgrad
