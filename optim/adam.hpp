// Adam (L2 decay folded into the gradient) and AdamW (decoupled decay), as torch.optim.
#pragma once

#include <cstdint>

#include "optimizer.hpp"

namespace xtgrad {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;   ///< AdamW's default is 1e-2
  bool amsgrad = false;
};

/// Per-parameter state, inspectable and restorable (checkpoints).
struct AdamState {
  std::int64_t step = 0;
  Array exp_avg;         ///< m, first moment
  Array exp_avg_sq;      ///< v, second moment
  Array max_exp_avg_sq;  ///< running max of v (amsgrad only)
};

/// t += 1; g += λp (Adam) or p *= 1 − lr·λ (AdamW); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
/// denom = √v / √(1−β2ᵗ) + eps (amsgrad: with max(v) so far); p −= lr/(1−β1ᵗ) · m / denom.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});
  void step() override;

  const AdamOptions& options() const { return options_; }
  const std::vector<AdamState>& state() const { return state_; }
  std::vector<AdamState>& mutable_state() { return state_; }

 protected:
  Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled, const char* name);

 private:
  AdamOptions options_;
  bool decoupled_;
  std::vector<AdamState> state_;
};

class AdamW : public Adam {
 public:
  /// Same options as Adam, but weight_decay defaults to 1e-2 as in PyTorch.
  static AdamOptions default_options() {
    AdamOptions o;
    o.weight_decay = 1e-2;
    return o;
  }
  AdamW(std::vector<Tensor> params, const AdamOptions& options = default_options());
};

}  // namespace xtgrad
