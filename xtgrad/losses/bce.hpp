// Binary cross-entropy losses with PyTorch's exact semantics (see shared SEMANTICS.md §1–2).
#pragma once

#include <optional>
#include <string>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/ops_loss.hpp"  // Reduction
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// −w·[y·log(p) + (1−y)·log(1−p)] with each log clamped at −100, so p = 0 or 1 stays finite.
/// input (probabilities in [0, 1]) and target have one shape; weight broadcasts to it. Mean
/// is over all elements. Backward: g·w·(p − y) / max(p(1−p), 1e−12).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                            const std::optional<Tensor>& weight = std::nullopt);

/// From logits z, in the stable form (1−y)·z + lw·(max(−z, 0) + log1p(e^−|z|)), lw = 1 + (p−1)·y,
/// which is max(z,0) − z·y + log1p(e^−|z|) when there is no pos_weight p; finite at z = ±1000.
/// The terms that cancel are combined exactly first, so a loss of 3e-7 keeps its digits (PyTorch's
/// float formula loses them there; its double one agrees with xtgrad's float to about 1e-7).
/// pos_weight broadcasts along the last dimension. Backward: g·w·(lw·σ(z) − p·y), i.e. σ(z) − y
/// without pos_weight.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction = Reduction::Mean,
                                        const std::optional<Tensor>& weight = std::nullopt,
                                        const std::optional<Tensor>& pos_weight = std::nullopt);

/// The module forms, as torch.nn.BCELoss and torch.nn.BCEWithLogitsLoss.
class BCELoss {
 public:
  explicit BCELoss(Reduction reduction = Reduction::Mean, std::optional<Tensor> weight = std::nullopt)
      : reduction_(reduction), weight_(std::move(weight)) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return binary_cross_entropy(input, target, reduction_, weight_);
  }

 private:
  Reduction reduction_;
  std::optional<Tensor> weight_;
};

class BCEWithLogitsLoss {
 public:
  explicit BCEWithLogitsLoss(Reduction reduction = Reduction::Mean, std::optional<Tensor> weight = std::nullopt,
                             std::optional<Tensor> pos_weight = std::nullopt)
      : reduction_(reduction), weight_(std::move(weight)), pos_weight_(std::move(pos_weight)) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return binary_cross_entropy_with_logits(input, target, reduction_, weight_, pos_weight_);
  }

 private:
  Reduction reduction_;
  std::optional<Tensor> weight_;
  std::optional<Tensor> pos_weight_;
};

}  // namespace xtgrad

XTGRAD_API_END
