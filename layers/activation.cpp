// Activation modules: stateless wrappers over the core ops.
#include "activation.hpp"

#include "../core/ops.hpp"

namespace xtgrad {

Tensor ReLU::forward(const Tensor& input) { return relu(input); }
Tensor Tanh::forward(const Tensor& input) { return tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }

}  // namespace xtgrad
