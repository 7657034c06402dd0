// Linear layer on the fused linear op (one tape entry, GEMM with a transpose flag).
#include "linear.hpp"

#include <cmath>
#include <stdexcept>

#include "../core/ops.hpp"

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

Linear::Linear(std::size_t in, std::size_t out, bool bias) : Linear(in, out, bias, default_generator()) {}

Linear::Linear(std::size_t in, std::size_t out, bool bias_on, Generator& gen)
    : in_features(checked(in, out)), out_features(out), has_bias(bias_on) {
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

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (has_bias ? "true" : "false");
}

}  // namespace xtgrad
