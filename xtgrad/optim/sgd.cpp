// SGD (torch/optim/sgd.py, single-tensor path): one pass over each parameter, in the kernels of
// the CPU's instruction set (detail/recurrent_kernels_isa.cpp), whose fused multiply-adds are
// PyTorch's: two roundings per update drifted 1e-5 from it in 10 steps.
#include "xtgrad/optim/sgd.hpp"

#include <cmath>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/parallel.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/optim/detail/state_reader.hpp"

namespace xtgrad {

void SGDOptions::check(std::vector<std::string>& problems) const {
  OptimizerOptions::check(problems);
  if (!(momentum_ >= 0.0)) problems.push_back(detail::concat("invalid momentum value: ", momentum_));
  if (!(weight_decay_ >= 0.0)) problems.push_back(detail::concat("invalid weight_decay value: ", weight_decay_));
  if (!std::isfinite(dampening_)) problems.push_back(detail::concat("invalid dampening value: ", dampening_));
  if (nesterov_ && (momentum_ <= 0.0 || dampening_ != 0.0))
    problems.push_back("Nesterov momentum requires a momentum and zero dampening");
}

void SGDOptions::write(Value& group) const {
  group["momentum"] = momentum_;
  group["dampening"] = dampening_;
  group["weight_decay"] = weight_decay_;
  group["nesterov"] = nesterov_;
}

void SGDOptions::read(detail::StateReader& in, const Value& group, const std::string& path) {
  momentum(in.real(group, path, "momentum"));
  dampening(in.real(group, path, "dampening"));
  weight_decay(in.real(group, path, "weight_decay"));
  nesterov(in.boolean(group, path, "nesterov"));
}

SGD::SGD(std::vector<Tensor> params, double lr, double momentum, double dampening, double weight_decay, bool nesterov)
    : SGD(std::move(params),
          SGDOptions(lr).momentum(momentum).dampening(dampening).weight_decay(weight_decay).nesterov(nesterov)) {}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : SGD(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults) : Optimizer(defaults, "SGD") {
  add_param_groups(groups);
}

const Array& SGD::momentum_buffer(std::size_t k) const {
  XTGRAD_CHECK(has_momentum_buffer(k), "SGD", "parameter ", k, " has no momentum buffer yet");
  return *buffers_[k];
}

// PyTorch 1.13 also writes {"momentum_buffer": None} for a parameter stepped without momentum;
// such an entry is read as "no buffer", and none is written.
Value SGD::param_state(std::size_t k) const {
  if (!buffers_[k]) return Value();
  Value v = Value::dict();
  v["momentum_buffer"] = *buffers_[k];
  return v;
}

void SGD::check_param_state(detail::StateReader& in, const std::string& path, const Value& state, const Tensor& param,
                            const OptimizerOptions&) const {
  if (!state.contains("momentum_buffer")) in.problem(detail::join_path(path, "momentum_buffer"), "missing");
  else if (!state.at("momentum_buffer").is_null())
    in.tensor(state.at("momentum_buffer"), detail::join_path(path, "momentum_buffer"), param.shape());
  in.unexpected_keys(state, path, {"momentum_buffer"});
}

void SGD::set_param_state(std::size_t k, const Value& state) {
  if (state.is_null() || state.at("momentum_buffer").is_null()) buffers_[k].reset();
  else buffers_[k] = state.at("momentum_buffer").as_tensor();
}

void SGD::step() {
  const detail::SimdKernels& kernels = detail::simd_kernels();
  std::size_t k = 0;
  for (ParamGroup& group : groups_) {
    const auto& o = static_cast<const SGDOptions&>(group.options());
    const float lr = static_cast<float>(o.lr());
    const float momentum = static_cast<float>(o.momentum());
    const float keep = static_cast<float>(1.0 - o.dampening());
    const float decay = static_cast<float>(o.weight_decay());
    for (Tensor param : group.params()) {
      std::optional<Array>& buffer = buffers_[k++];
      if (!param.has_grad()) continue;
      const detail::SGDConstants c{lr, momentum, keep, decay, o.nesterov(), !buffer};
      if (momentum != 0.0f && c.first) buffer = Array::from_shape(param.value().shape());
      float* p = param.mutable_value().data();
      const float* grad = param.grad().data();
      float* buf = momentum != 0.0f ? buffer->data() : nullptr;
      // Memory-bound, as Adam's: a large parameter is split over the threads.
      detail::parallel_for(param.numel(), detail::kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
        kernels.sgd_update(p + begin, grad + begin, buf ? buf + begin : nullptr, end - begin, c);
      });
    }
  }
}

}  // namespace xtgrad
