// Loss functions as fused ops (ops_loss.cpp, ops_loss_regression.cpp), with PyTorch's exact
// semantics; the loss classes in losses/ call these. Shared by every loss: the Reduction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

enum class Reduction { None, Mean, Sum };
/// "none", "mean" or "sum", as PyTorch spells them.
Reduction reduction_from_string(const std::string& name);
std::string to_string(Reduction reduction);

/// Options of cross_entropy and nll_loss, as torch.nn.CrossEntropyLoss / NLLLoss.
struct ClassLossOptions {
  Reduction reduction = Reduction::Mean;
  std::optional<Tensor> weight = std::nullopt;  ///< [C], a rescaling weight per class
  std::int64_t ignore_index = -100;  ///< targets equal to it add nothing, to the loss or to the mean's divisor
  double label_smoothing = 0.0;      ///< in [0, 1]; cross_entropy only
};

/// Cross-entropy from logits: input [N, C] or [N, C, d1, ...]. The target is either class
/// indices (an index tensor of shape [N, d1, ...]: float holding whole numbers in [0, C), or
/// ignore_index) or class probabilities (input's shape). With indices,
///   l = (1 − ε)·w[y]·(−log_softmax(x)[y]) + (ε/C)·Σ_c w[c]·(−log_softmax(x)[c]),
/// and mean divides the sum by Σ w[y] over targets not ignored (PyTorch 1.13, including how
/// label smoothing meets weight). With probabilities p (smoothed to (1 − ε)·p + ε/C),
/// l = −Σ_c w[c]·p[c]·log_softmax(x)[c] and mean divides by N·d1·…. Backward, for either:
/// with a[c] the coefficient of −log_softmax(x)[c] above, g·(softmax(x)·Σ a − a). A mean over no
/// target at all (every one ignored, or N = 0) is NaN with a zero gradient, as PyTorch's 0/0.
/// An input [C] is one sample (PyTorch's unbatched form): a 0-d class index or probabilities [C],
/// and reduction None gives a 0-d loss.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const ClassLossOptions& options = {});
/// Negative log-likelihood of log-probabilities: l = −w[y]·input[y], input [N, C] or
/// [N, C, d1, ...], target class indices [N, d1, ...]; mean divides by Σ w[y] over targets not
/// ignored (NaN, with a zero gradient, when none is left). Backward −w[y]·g at the target's
/// class, 0 elsewhere. An input [C] with a 0-d class index is one sample.
Tensor nll_loss(const Tensor& input, const Tensor& target, const ClassLossOptions& options = {});

// Regression losses: input and target of one shape (PyTorch would broadcast with a warning; a
// mismatch is almost always a bug, [N, 1] against [N], so xtgrad refuses it). d = input − target.
// Both input and target may require grad (the target's gradient is the negation).
/// d²; gradient 2d·g.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// |d|; gradient sign(d)·g (0 at d = 0).
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// 0.5·d²/β where |d| < β, else |d| − 0.5·β (β = 0 is L1); gradient d/β or sign(d) (−1 at
/// d = 0 when β = 0, as PyTorch).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
/// 0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ) (= δ·smooth_l1 with β = δ); gradient d or δ·sign(d).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, double delta = 1.0);

}  // namespace xtgrad

XTGRAD_API_END
