// BCELoss and BCEWithLogitsLoss as single fused ops: the per-element loss and its gradient
// are written out by hand (PyTorch's CPU kernels, aten/src/ATen/native/Loss.cpp), then reduced.
#include "xtgrad/losses/bce.hpp"

#include <cmath>
#include <stdexcept>

#include <xtensor/xbroadcast.hpp>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/loss.hpp"
#include "xtgrad/core/detail/math.hpp"

namespace xtgrad {
namespace {

// A weight broadcast to the input's shape (or ones when absent).
Array expand_to(const char* op, const char* what, const std::optional<Tensor>& t, const Array& like) {
  if (!t) return Array();
  Shape shape = detail::shape_of(like);
  Shape joint = detail::broadcast_shapes(op, detail::shape_of(t->value()), shape);
  XTGRAD_CHECK(joint == shape, op, what, " of shape ", detail::dims(t->value()),
               " does not broadcast to the input's shape ", shape_str(shape));
  return Array(xt::broadcast(t->value(), shape));
}

void check_common(const char* op, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight) {
  XTGRAD_CHECK(detail::same_shape(input.value(), target.value()), op, "target shape ", shape_str(target.shape()),
               " must equal input shape ", shape_str(input.shape()));
  XTGRAD_CHECK(!target.requires_grad() && !(weight && weight->requires_grad()), op,
               "gradients with respect to target or weight are not supported; detach() them");
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction,
                            const std::optional<Tensor>& weight) {
  const char* op = "BCELoss";
  check_common(op, input, target, weight);
  const Array& x = input.value();
  const Array& y = target.value();
  Array w = expand_to(op, "weight", weight, x);
  Array losses = Array::from_shape(x.shape());
  for (std::size_t i = 0; i < x.size(); ++i) {
    float p = x.data()[i], t = y.data()[i];
    if (!(p >= 0.0f && p <= 1.0f))
      throw std::invalid_argument(
          detail::concat(op, ": all elements of input should be between 0 and 1, got ", p, " at flat index ", i));
    float l = (t - 1.0f) * std::fmax(std::log1p(-p), -100.0f) - t * std::fmax(std::log(p), -100.0f);
    losses.data()[i] = weight ? l * w.data()[i] : l;
  }
  return record(op, detail::reduce_losses(losses, reduction), {input},
                [reduction, w = std::move(w), has_weight = weight.has_value(), target](BackwardContext& ctx) {
                  const Array& x = ctx.input(0);
                  const Array& y = target.value();  // the handle, not a copy of the targets
                  Array local = Array::from_shape(x.shape());
                  for (std::size_t i = 0; i < x.size(); ++i) {
                    float p = x.data()[i];
                    float d = (p - y.data()[i]) / std::fmax((1.0f - p) * p, 1e-12f);
                    local.data()[i] = has_weight ? d * w.data()[i] : d;
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
  const Array& y = target.value();
  Array w = expand_to(op, "weight", weight, z);
  Array pw = expand_to(op, "pos_weight", pos_weight, z);
  Array losses = Array::from_shape(z.shape());
  for (std::size_t i = 0; i < z.size(); ++i) {
    float x = z.data()[i], t = y.data()[i];
    float log_weight = pos_weight ? 1.0f + (pw.data()[i] - 1.0f) * t : 1.0f;
    // softplus(−x) = max(−x, 0) + log1p(e^−|x|) = −log σ(x)
    float l = (1.0f - t) * x + log_weight * detail::stable_softplus(-x);
    losses.data()[i] = weight ? l * w.data()[i] : l;
  }
  return record(op, detail::reduce_losses(losses, reduction), {input},
                [reduction, target, w = std::move(w), pw = std::move(pw), has_weight = weight.has_value(),
                 has_pos = pos_weight.has_value()](BackwardContext& ctx) {
                  const Array& z = ctx.input(0);
                  const Array& y = target.value();  // the handle, not a copy of the targets
                  Array local = Array::from_shape(z.shape());
                  for (std::size_t i = 0; i < z.size(); ++i) {
                    float x = z.data()[i], t = y.data()[i];
                    float s = detail::stable_sigmoid(x);
                    // d/dx = lw·σ(x) − p·y, which is σ(x) − y when p = 1
                    float d = has_pos ? (1.0f + (pw.data()[i] - 1.0f) * t) * s - pw.data()[i] * t : s - t;
                    local.data()[i] = has_weight ? d * w.data()[i] : d;
                  }
                  ctx.add(0, detail::chain_reduction(std::move(local), ctx.grad(), reduction));
                });
}

}  // namespace xtgrad
