// SGD (torch/optim/sgd.py, single-tensor path): one pass over each parameter.
#include "sgd.hpp"

#include <cmath>

#include "../core/detail/check.hpp"

namespace xtgrad {

SGD::SGD(std::vector<Tensor> params, double lr, double momentum, double dampening, double weight_decay, bool nesterov)
    : SGD(std::move(params), SGDOptions{lr, momentum, dampening, weight_decay, nesterov}) {}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer(std::move(params), options.lr, "SGD"), options_(options) {
  XTGRAD_CHECK(options.momentum >= 0.0, "SGD", "invalid momentum value: ", options.momentum);
  XTGRAD_CHECK(options.weight_decay >= 0.0, "SGD", "invalid weight_decay value: ", options.weight_decay);
  XTGRAD_CHECK(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0), "SGD",
                "Nesterov momentum requires a momentum and zero dampening");
  buffers_.resize(params_.size());
  has_buffer_.assign(params_.size(), false);
}

const Array& SGD::momentum_buffer(std::size_t k) const {
  XTGRAD_CHECK(has_momentum_buffer(k), "SGD", "parameter ", k, " has no momentum buffer yet");
  return buffers_[k];
}

void SGD::set_momentum_buffer(std::size_t k, Array buffer) {
  XTGRAD_CHECK(k < params_.size() && buffer.shape() == params_[k].value().shape(), "SGD",
                "a momentum buffer must have its parameter's shape");
  buffers_[k] = std::move(buffer);
  has_buffer_[k] = true;
}

void SGD::step() {
  options_.lr = lr_;
  const float lr = static_cast<float>(lr_);
  const float momentum = static_cast<float>(options_.momentum);
  const float keep = static_cast<float>(1.0 - options_.dampening);
  const float decay = static_cast<float>(options_.weight_decay);
  for (std::size_t k = 0; k < params_.size(); ++k) {
    Tensor& param = params_[k];
    if (!param.has_grad()) continue;
    float* p = param.mutable_value().data();
    const float* grad = param.grad().data();
    std::size_t n = param.numel();
    bool first = !has_buffer_[k];
    if (momentum != 0.0f && first) {
      buffers_[k] = Array::from_shape(param.value().shape());
      has_buffer_[k] = true;
    }
    float* buf = momentum != 0.0f ? buffers_[k].data() : nullptr;
    for (std::size_t i = 0; i < n; ++i) {
      float d = decay != 0.0f ? grad[i] + decay * p[i] : grad[i];
      if (buf) {
        buf[i] = first ? d : buf[i] * momentum + keep * d;  // no dampening on the first step
        d = options_.nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] += -lr * d;
    }
  }
}

}  // namespace xtgrad
