// BCELoss and BCEWithLogitsLoss as single fused ops: the per-element loss and its gradient
// are written out by hand (PyTorch's CPU kernels, aten/src/ATen/native/Loss.cpp), then reduced;
// BCEWithLogitsLoss's in a vectorised kernel (detail/loss_kernels_isa.cpp) that also sums them.
#include "xtgrad/losses/bce.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include <xtensor/xbroadcast.hpp>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/loss.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

namespace xtgrad {
namespace {

// A weight of the input's shape: the caller's own tensor when it has that shape (a handle, not a
// copy, as for the targets), else its broadcast to it; nothing when absent.
std::optional<Tensor> expand_to(const char* op, const char* what, const std::optional<Tensor>& t, const Array& like) {
  if (!t || detail::same_shape(t->value(), like)) return t;
  Shape shape = detail::shape_of(like);
  Shape joint = detail::broadcast_shapes(op, detail::shape_of(t->value()), shape);
  XTGRAD_CHECK(joint == shape, op, what, " of shape ", detail::dims(t->value()),
               " does not broadcast to the input's shape ", shape_str(shape));
  return Tensor(Array(xt::broadcast(t->value(), shape)));
}

const float* data_of(const std::optional<Tensor>& t) { return t ? t->value().data() : nullptr; }

void check_common(const char* op, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight) {
  XTGRAD_CHECK(detail::same_shape(input.value(), target.value()), op, "target shape ", shape_str(target.shape()),
               " must equal input shape ", shape_str(input.shape()));
  XTGRAD_CHECK(!target.requires_grad() && !(weight && weight->requires_grad()), op,
               "gradients with respect to target or weight are not supported; detach() them");
}

// Records a BCE loss on its input, target and the caller's weights, all declared read as PyTorch
// 1.13 saves each of them (the loss itself never): the backward reads the target as input 1, so
// changing it in place before backward() is refused rather than giving another target's gradient.
template <class F>
Tensor record_bce(const char* op, Array&& value, const Tensor& input, const Tensor& target,
                  const std::optional<Tensor>& weight, const std::optional<Tensor>& pos_weight, F&& backward) {
  if (!weight && !pos_weight)
    return record(op, std::move(value), {input, target}, std::forward<F>(backward), kReadsInputs);
  std::vector<Tensor> inputs{input, target};
  for (const std::optional<Tensor>* t : {&weight, &pos_weight})
    if (*t) inputs.push_back(**t);
  return record(op, std::move(value), inputs, std::forward<F>(backward), kReadsInputs);
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction,
                            const std::optional<Tensor>& weight) {
  const char* op = "BCELoss";
  check_common(op, input, target, weight);
  const Array& x = input.value();
  const Array& y = target.value();
  std::optional<Tensor> w = expand_to(op, "weight", weight, x);
  const float* wd = data_of(w);
  Array losses = Array::from_shape(x.shape());
  for (std::size_t i = 0; i < x.size(); ++i) {
    float p = x.data()[i], t = y.data()[i];
    if (!(p >= 0.0f && p <= 1.0f))
      throw std::invalid_argument(
          detail::concat(op, ": all elements of input should be between 0 and 1, got ", p, " at flat index ", i));
    // log1p(−p), as PyTorch's kernel has it now; 1.13 took log(1 − p), where 1 − p rounds to 1
    // for p below 3e-8 (p = 1e-8, y = 0: 1.13 gives a loss of 0, this 1e-8).
    float l = (t - 1.0f) * std::fmax(std::log1p(-p), -100.0f) - t * std::fmax(std::log(p), -100.0f);
    losses.data()[i] = wd ? l * wd[i] : l;
  }
  return record_bce(op, detail::reduce_losses(losses, reduction), input, target, weight, std::nullopt,
                    [reduction, w = std::move(w)](BackwardContext& ctx) {
                      const Array& x = ctx.input(0);
                      const Array& y = ctx.input(1);
                      const float* wd = data_of(w);
                      Array local = Array::from_shape(x.shape());
                      for (std::size_t i = 0; i < x.size(); ++i) {
                        float p = x.data()[i];
                        float d = (p - y.data()[i]) / std::fmax((1.0f - p) * p, 1e-12f);
                        local.data()[i] = wd ? d * wd[i] : d;
                      }
                      ctx.add(0, detail::chain_reduction(std::move(local), ctx.grad(), reduction));
                    });
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, Reduction reduction,
                                        const std::optional<Tensor>& weight, const std::optional<Tensor>& pos_weight) {
  const char* op = "BCEWithLogitsLoss";
  check_common(op, input, target, weight);
  XTGRAD_CHECK(!(pos_weight && pos_weight->requires_grad()), op,
               "gradients with respect to pos_weight are not supported; detach() it");
  const Array& z = input.value();
  std::optional<Tensor> w = expand_to(op, "weight", weight, z);
  std::optional<Tensor> pw = expand_to(op, "pos_weight", pos_weight, z);
  // The vectorised kernel (detail/loss_kernels_isa.cpp) writes the losses, or only sums them when
  // they are reduced: no array of them is made then.
  const detail::SimdKernels& kernels = detail::simd_kernels();
  const bool keep_each = reduction == Reduction::None;
  Array value = keep_each ? Array::from_shape(z.shape()) : Array::from_shape({});
  double total = 0.0;
  kernels.bce_with_logits_forward(z.data(), target.value().data(), data_of(w), data_of(pw),
                                  keep_each ? value.data() : nullptr, keep_each ? nullptr : &total, z.size());
  if (!keep_each) value() = detail::reduced_loss(total, reduction, static_cast<double>(z.size()));
  return record_bce(op, std::move(value), input, target, weight, pos_weight,
                    [reduction, w = std::move(w), pw = std::move(pw)](BackwardContext& ctx) {
                      const Array& z = ctx.input(0);
                      const Array& y = ctx.input(1);
                      const Array& g = ctx.grad();
                      const bool each = reduction == Reduction::None;
                      // Into the logits' gradient itself: written when it is new, else added to.
                      auto dz = ctx.grad_target(0);
                      detail::simd_kernels().bce_with_logits_backward(
                          z.data(), y.data(), data_of(w), data_of(pw), each ? g.data() : nullptr,
                          each ? 1.0f : detail::reduction_scale(g, reduction, z.size()), !dz.fresh, dz.grad.data(),
                          z.size());
                    });
}

}  // namespace xtgrad
