// Linear layer on the fused linear op (one tape entry, GEMM with a transpose flag).
#include "xtgrad/layers/linear.hpp"

#include <cmath>
#include <stdexcept>

#include "xtgrad/core/ops.hpp"
#include "xtgrad/layers/detail/repr.hpp"

namespace xtgrad {
namespace {

// Sizes past this are almost surely a negative number wrapped to size_t, not a real layer.
constexpr std::size_t kMaxElements = std::size_t{1} << 32;

std::size_t checked(std::size_t in, std::size_t out) {
  if (in == 0 || out == 0 || in > kMaxElements / out)
    throw std::invalid_argument("Linear: invalid sizes in_features=" + std::to_string(in) + ", out_features=" +
                                std::to_string(out) + " (each must be positive, and their product at most 2^32)");
  return in;
}

}  // namespace

Linear::Linear(const LinearOptions& options) : Linear(options, default_generator()) {}

Linear::Linear(std::size_t in, std::size_t out, bool bias) : Linear(LinearOptions(in, out).bias(bias)) {}

Linear::Linear(std::size_t in, std::size_t out, bool bias, Generator& gen)
    : Linear(LinearOptions(in, out).bias(bias), gen) {}

Linear::Linear(const LinearOptions& options, Generator& gen)
    : in_features(checked(options.in_features(), options.out_features())),
      out_features(options.out_features()),
      has_bias(options.bias()) {
  const std::size_t in = in_features, out = out_features;
  float bound = 1.0f / std::sqrt(static_cast<float>(in));
  weight = register_parameter("weight", rand({out, in}, gen, -bound, bound));
  if (has_bias) bias = register_parameter("bias", rand({out}, gen, -bound, bound));
}

Tensor Linear::forward(const Tensor& input) {
  if (input.dim() == 0 || input.size(-1) != in_features)
    throw std::invalid_argument("Linear: expected input of shape [*, " + std::to_string(in_features) +
                                "] (in_features=" + std::to_string(in_features) + "), got " + shape_str(input.shape()));
  return has_bias ? linear(input, weight, bias) : linear(input, weight);
}

std::shared_ptr<Linear> Linear::from_config(const Value& config) {
  constexpr std::int64_t kMax = std::int64_t{1} << 24;
  return std::make_shared<Linear>(LinearOptions(static_cast<std::size_t>(config.get_int_in("in_features", 1, kMax)),
                                                static_cast<std::size_t>(config.get_int_in("out_features", 1, kMax)))
                                      .bias(config.get_bool_or("bias", true)));
}

Value Linear::config() const {
  Value c = Value::dict();
  c["in_features"] = in_features;
  c["out_features"] = out_features;
  c["bias"] = has_bias;
  return c;
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + detail::bool_repr(has_bias);
}

}  // namespace xtgrad
