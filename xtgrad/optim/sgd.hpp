// SGD with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD.
#pragma once

#include <optional>

#include "xtgrad/core/export.hpp"
#include "xtgrad/optim/optimizer.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// SGD's options (PyTorch's keys: lr, momentum, dampening, weight_decay, nesterov). lr has no
/// default (PyTorch's `required`); the others default to 0 and false.
class SGDOptions : public OptimizerOptions {
 public:
  SGDOptions() : OptimizerOptions(std::nullopt) {}  ///< nothing set: all from the defaults
  explicit SGDOptions(double lr) : SGDOptions() { set_lr(lr); }
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<SGDOptions>(*this); }

  using OptimizerOptions::lr;
  SGDOptions& lr(double lr) {
    set_lr(lr);
    return *this;
  }
  SGDOptions& momentum(double momentum) {
    momentum_ = momentum;
    mark_set("momentum");
    return *this;
  }
  double momentum() const { return momentum_; }
  SGDOptions& dampening(double dampening) {
    dampening_ = dampening;
    mark_set("dampening");
    return *this;
  }
  double dampening() const { return dampening_; }
  SGDOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    mark_set("weight_decay");
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  SGDOptions& nesterov(bool nesterov) {
    nesterov_ = nesterov;
    mark_set("nesterov");
    return *this;
  }
  bool nesterov() const { return nesterov_; }

  void check(std::vector<std::string>& problems) const override;
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return momentum_; }
  void set_momentum(double momentum) override { this->momentum(momentum); }

 protected:
  void write(Value& group) const override;
  void read(detail::StateReader& in, const Value& group, const std::string& path) override;
  std::vector<std::string> keys() const override { return {"momentum", "dampening", "weight_decay", "nesterov"}; }

 private:
  double momentum_ = 0.0;
  double dampening_ = 0.0;
  double weight_decay_ = 0.0;
  bool nesterov_ = false;
};

/// g += λ·p; b = g at the first step, else b = μ·b + (1−τ)·g; g = g + μ·b (Nesterov) or b;
/// p −= lr·g. Nesterov needs μ > 0 and τ = 0. Each group uses its own options.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  SGD(std::vector<Tensor> params, double lr, double momentum = 0.0, double dampening = 0.0, double weight_decay = 0.0,
      bool nesterov = false);
  SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults);
  void step() override;

  /// Parameter k's (params() order) momentum buffer exists after its first step with momentum.
  bool has_momentum_buffer(std::size_t k) const { return buffers_.at(k).has_value(); }
  const Array& momentum_buffer(std::size_t k) const;

 protected:
  void resize_state(std::size_t num_params) override { buffers_.resize(num_params); }
  Value param_state(std::size_t k) const override;
  void check_param_state(detail::StateReader& in, const std::string& path, const Value& state, const Tensor& param,
                         const OptimizerOptions& options) const override;
  void set_param_state(std::size_t k, const Value& state) override;

 private:
  std::vector<std::optional<Array>> buffers_;
};

}  // namespace xtgrad

XTGRAD_API_END
