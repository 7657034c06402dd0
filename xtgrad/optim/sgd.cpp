// SGD (torch/optim/sgd.py, single-tensor path): one pass over each parameter.
#include "xtgrad/optim/sgd.hpp"

#include <cmath>

#include "xtgrad/core/detail/check.hpp"
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
      float* p = param.mutable_value().data();
      const float* grad = param.grad().data();
      std::size_t n = param.numel();
      bool first = !buffer;
      if (momentum != 0.0f && first) buffer = Array::from_shape(param.value().shape());
      float* buf = momentum != 0.0f ? buffer->data() : nullptr;
      for (std::size_t i = 0; i < n; ++i) {
        float d = decay != 0.0f ? grad[i] + decay * p[i] : grad[i];
        if (buf) {
          buf[i] = first ? d : buf[i] * momentum + keep * d;  // no dampening on the first step
          d = o.nesterov() ? d + momentum * buf[i] : buf[i];
        }
        p[i] += -lr * d;
      }
    }
  }
}

}  // namespace xtgrad
