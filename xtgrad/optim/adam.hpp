// Adam (L2 decay folded into the gradient) and AdamW (decoupled decay), as torch.optim.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "xtgrad/core/export.hpp"
#include "xtgrad/optim/optimizer.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Adam's and AdamW's options (PyTorch's keys: lr, betas, eps, weight_decay, amsgrad).
/// Defaults: lr 1e-3, betas {0.9, 0.999}, eps 1e-8, weight_decay 0 (AdamW: 1e-2), amsgrad false.
class AdamOptions : public OptimizerOptions {
 public:
  AdamOptions() : OptimizerOptions(1e-3) {}  ///< nothing set: all from the defaults
  explicit AdamOptions(double lr) : AdamOptions() { set_lr(lr); }
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamOptions>(*this); }

  using OptimizerOptions::lr;
  AdamOptions& lr(double lr) {
    set_lr(lr);
    return *this;
  }
  AdamOptions& betas(std::array<double, 2> betas) {
    betas_ = betas;
    mark_set("betas");
    return *this;
  }
  std::array<double, 2> betas() const { return betas_; }
  AdamOptions& eps(double eps) {
    eps_ = eps;
    mark_set("eps");
    return *this;
  }
  double eps() const { return eps_; }
  AdamOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    mark_set("weight_decay");
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  AdamOptions& amsgrad(bool amsgrad) {
    amsgrad_ = amsgrad;
    mark_set("amsgrad");
    return *this;
  }
  bool amsgrad() const { return amsgrad_; }

  void check(std::vector<std::string>& problems) const override;
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return betas_[0]; }
  void set_momentum(double beta1) override { betas({beta1, betas_[1]}); }

 protected:
  void write(Value& group) const override;
  void read(detail::StateReader& in, const Value& group, const std::string& path) override;
  std::vector<std::string> keys() const override { return {"betas", "eps", "weight_decay", "amsgrad"}; }

 private:
  std::array<double, 2> betas_{0.9, 0.999};
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
  bool amsgrad_ = false;
};

/// Per-parameter state, as PyTorch names it in state_dict()["state"]["<k>"].
struct AdamState {
  std::int64_t step = 0;  ///< PyTorch 1.13 keeps a float tensor; here (and in state dicts) an integer
  Array exp_avg;          ///< m, first moment
  Array exp_avg_sq;       ///< v, second moment
  /// Running max of v, with amsgrad; of shape [0] without.
  Array max_exp_avg_sq = Array::from_shape({0});
};

/// t += 1; g += λp (Adam) or p *= 1 − lr·λ (AdamW); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
/// denom = √v / √(1−β2ᵗ) + eps (amsgrad: with max(v) so far); p −= lr/(1−β1ᵗ) · m / denom.
/// Each group uses its own options.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = AdamOptions());
  Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults = AdamOptions());
  void step() override;

  /// Parameter k's state (params() order); empty until its first step with a gradient.
  const std::vector<std::optional<AdamState>>& state() const { return state_; }

 protected:
  Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults, bool decoupled, const char* name);
  void resize_state(std::size_t num_params) override { state_.resize(num_params); }
  Value param_state(std::size_t k) const override;
  void check_param_state(detail::StateReader& in, const std::string& path, const Value& state, const Tensor& param,
                         const OptimizerOptions& options) const override;
  void set_param_state(std::size_t k, const Value& state) override;

 private:
  bool amsgrad_of(std::size_t k) const;  ///< parameter k's group's amsgrad
  bool decoupled_;
  std::vector<std::optional<AdamState>> state_;
};

/// Adam with decoupled weight decay; an unset weight_decay is 1e-2, as in PyTorch.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamOptions& options = AdamOptions());
  AdamW(std::vector<ParamGroup> groups, const AdamOptions& defaults = AdamOptions());
};

}  // namespace xtgrad

XTGRAD_API_END
