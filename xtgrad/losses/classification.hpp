// Multi-class and regression losses as modules, as torch.nn.CrossEntropyLoss, NLLLoss, MSELoss,
// L1Loss, SmoothL1Loss and HuberLoss. The maths lives in the fused ops of core/ops_loss.hpp.
#pragma once

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/ops.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Logits [N, C] (or [N, C, d1, ...]) against class indices or class probabilities; see
/// cross_entropy for the formula with weight, ignore_index and label_smoothing.
class CrossEntropyLoss {
 public:
  explicit CrossEntropyLoss(ClassLossOptions options = {}) : options_(std::move(options)) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return cross_entropy(input, target, options_); }
  const ClassLossOptions& options() const { return options_; }

 private:
  ClassLossOptions options_;
};

/// Log-probabilities (from log_softmax) against class indices.
class NLLLoss {
 public:
  explicit NLLLoss(ClassLossOptions options = {}) : options_(std::move(options)) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return nll_loss(input, target, options_); }
  const ClassLossOptions& options() const { return options_; }

 private:
  ClassLossOptions options_;
};

class MSELoss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return mse_loss(input, target, reduction_); }

 private:
  Reduction reduction_;
};

class L1Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return l1_loss(input, target, reduction_); }

 private:
  Reduction reduction_;
};

class SmoothL1Loss {
 public:
  explicit SmoothL1Loss(Reduction reduction = Reduction::Mean, double beta = 1.0)
      : reduction_(reduction), beta_(beta) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return smooth_l1_loss(input, target, reduction_, beta_);
  }

 private:
  Reduction reduction_;
  double beta_;
};

class HuberLoss {
 public:
  explicit HuberLoss(Reduction reduction = Reduction::Mean, double delta = 1.0)
      : reduction_(reduction), delta_(delta) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return huber_loss(input, target, reduction_, delta_);
  }

 private:
  Reduction reduction_;
  double delta_;
};

}  // namespace xtgrad

XTGRAD_API_END
