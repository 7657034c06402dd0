// Regression losses as fused ops: a per-element loss f(d) of d = input − target and its
// derivative f'(d), reduced as PyTorch does (aten/src/ATen/native/Loss.cpp, PointwiseOps).
#include <cmath>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/loss.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

// loss = reduce(f(x − y)); dloss/dx = f'(x − y)·g, dloss/dy = f'(y − x)·g (f' is odd). The
// backward reads both inputs, as PyTorch saves them for mse, smooth_l1 and huber; never the loss.
template <class F, class DF>
Tensor pointwise_loss(const char* op, const Tensor& input, const Tensor& target, Reduction reduction, F f, DF df) {
  XTGRAD_CHECK(input.shape() == target.shape(), op, "target shape ", shape_str(target.shape()),
               " must equal input shape ", shape_str(input.shape()));
  const Array& x = input.value();
  const Array& y = target.value();
  Array losses = Array::from_shape(x.shape());
  for (std::size_t i = 0; i < x.size(); ++i) losses.data()[i] = f(x.data()[i] - y.data()[i]);
  return record(
      op, detail::reduce_losses(losses, reduction), {input, target},
      [reduction, df](BackwardContext& ctx) {
        // The target's gradient is f'(y − x)·g, as PyTorch computes it: the same as −f'(x − y)·g
        // except on a tie such as smooth_l1 with β = 0 at d = 0, where both get −g.
        for (std::size_t i : {std::size_t{0}, std::size_t{1}}) {
          if (!ctx.wants(i)) continue;
          const Array& a = ctx.input(i);
          const Array& b = ctx.input(1 - i);
          Array local = Array::from_shape(a.shape());
          for (std::size_t k = 0; k < a.size(); ++k) local.data()[k] = df(a.data()[k] - b.data()[k]);
          ctx.add(i, detail::chain_reduction(std::move(local), ctx.grad(), reduction));
        }
      },
      kReadsInputs);
}

float sign(float d) { return static_cast<float>((d > 0.0f) - (d < 0.0f)); }

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return pointwise_loss(
      "mse_loss", input, target, reduction, [](float d) { return d * d; }, [](float d) { return 2.0f * d; });
}

// PyTorch 1.13 composes l1_loss (sub, abs, mean), so its backward reads neither argument: abs saves
// the difference it made. This saves sign(x − y) instead and reads nothing; the target's gradient
// −sign(x − y)·g is sign(y − x)·g exactly (0 on a tie or a NaN either way).
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  const char* op = "l1_loss";
  XTGRAD_CHECK(input.shape() == target.shape(), op, "target shape ", shape_str(target.shape()),
               " must equal input shape ", shape_str(input.shape()));
  const Array& x = input.value();
  const Array& y = target.value();
  Array losses = Array::from_shape(x.shape());
  const bool recording = will_record({input, target});
  Array signs = recording ? Array::from_shape(x.shape()) : Array();
  for (std::size_t i = 0; i < x.size(); ++i) {
    float d = x.data()[i] - y.data()[i];
    losses.data()[i] = std::fabs(d);
    if (recording) signs.data()[i] = sign(d);
  }
  return record(
      op, detail::reduce_losses(losses, reduction), {input, target},
      [reduction, signs = std::move(signs)](BackwardContext& ctx) {
        if (ctx.wants(0)) ctx.add(0, detail::chain_reduction(Array(signs), ctx.grad(), reduction));
        if (ctx.wants(1)) ctx.add(1, detail::chain_reduction(-signs, ctx.grad(), reduction));
      },
      kReadsNothing);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  XTGRAD_CHECK(beta >= 0.0, "smooth_l1_loss", "beta must be >= 0, got ", beta);
  auto b = static_cast<float>(beta);
  // The gradient's branches in PyTorch's order (d <= −β first), so β = 0 gives −g at d = 0
  // exactly as PyTorch does; the loss itself is then |d|.
  return pointwise_loss(
      "smooth_l1_loss", input, target, reduction,
      [b](float d) { return std::fabs(d) < b ? 0.5f * d * d / b : std::fabs(d) - 0.5f * b; },
      [b](float d) { return d <= -b ? -1.0f : (d >= b ? 1.0f : d / b); });
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  XTGRAD_CHECK(delta > 0.0, "huber_loss", "delta must be > 0, got ", delta);
  auto k = static_cast<float>(delta);
  return pointwise_loss(
      "huber_loss", input, target, reduction,
      [k](float d) { return std::fabs(d) < k ? 0.5f * d * d : k * (std::fabs(d) - 0.5f * k); },
      // PyTorch's branches: NaN (as from inf − inf) fails both tests and gives NaN, not 0.
      [k](float d) { return d < -k ? -k : (d > k ? k : d); });
}

}  // namespace xtgrad
