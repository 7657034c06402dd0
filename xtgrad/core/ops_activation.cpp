// Activations in forms that stay finite for any input, each with its backward below it.
// Pointwise ones with options (leaky_relu ... hardtanh) compute their gradient from the input.
#include <cmath>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/elementwise.hpp"
#include "xtgrad/core/detail/math.hpp"
#include "xtgrad/core/detail/parallel.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {

using detail::stable_sigmoid;
using detail::stable_softplus;

namespace {

using detail::Pointwise;
using detail::PointwiseFn;

// y = f(x) by the vectorised kernel of the run-time instruction set (long arrays split over the
// set threads).
Array pointwise_forward(PointwiseFn f, const Array& x) {
  Array y = Array::from_shape(x.shape());
  const float* src = x.data();
  float* dst = y.data();
  const detail::SimdKernels& k = detail::simd_kernels();
  detail::parallel_for(x.size(), detail::kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    k.forward(f, src + begin, dst + begin, end - begin);
  });
  return y;
}

// The input gradient g ⊙ f'(·) from a saved array (the output for grad_from_output, else the input),
// written over the output's gradient when that is ours (not the caller's seed): the kernels read
// each element before writing it, so in place gives the same bits, one buffer fewer at once.
template <class Kernel>
void add_pointwise_grad(BackwardContext& ctx, const Array& saved, Kernel kernel) {
  Array* reusable = ctx.reusable_grad();
  const float* upstream = reusable ? reusable->data() : ctx.grad().data();
  Array g = reusable ? std::move(*reusable) : Array::from_shape(ctx.grad().shape());
  const float* from = saved.data();
  float* dst = g.data();
  detail::parallel_for(g.size(), detail::kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    kernel(upstream + begin, from + begin, dst + begin, end - begin);
  });
  ctx.add(0, std::move(g));
}

// sigmoid, tanh and relu: the gradient from the saved output (σ' = σ(1 − σ), tanh' = 1 − tanh²,
// relu' = 0 where the output is <= 0, 1 elsewhere, NaN included). The input is not read: its value can go early.
Tensor from_output(const char* op, Pointwise f, const Tensor& a) {
  return record(
      op, pointwise_forward({f}, a.value()), {a},
      [f](BackwardContext& ctx) {
        add_pointwise_grad(ctx, ctx.output(), [f](const float* g, const float* y, float* dx, std::size_t n) {
          detail::simd_kernels().grad_from_output(f, g, y, dx, n);
        });
      },
      kReadsOutput);
}

// An activation y = f(x) whose gradient g·f'(x) is computed from the saved input.
Tensor from_input(const char* op, PointwiseFn f, const Tensor& a) {
  return record(
      op, pointwise_forward(f, a.value()), {a},
      [f](BackwardContext& ctx) {
        add_pointwise_grad(ctx, ctx.input(0), [f](const float* g, const float* x, float* dx, std::size_t n) {
          detail::simd_kernels().grad_from_input(f, g, x, dx, n);
        });
      },
      kReadsInputs);
}

}  // namespace

Tensor sigmoid(const Tensor& a) { return from_output("sigmoid", Pointwise::Sigmoid, a); }

Tensor tanh(const Tensor& a) { return from_output("tanh", Pointwise::Tanh, a); }

Tensor relu(const Tensor& a) { return from_output("relu", Pointwise::Relu, a); }

Tensor softplus(const Tensor& a) {
  return record(
      "softplus", detail::map(a.value(), stable_softplus), {a},
      [](BackwardContext& ctx) {
        ctx.add(0, detail::map2(ctx.grad(), ctx.input(0), [](float g, float z) { return g * stable_sigmoid(z); }));
      },
      kReadsInputs);
}

Tensor log_sigmoid(const Tensor& a) {
  return record(
      "log_sigmoid", detail::map(a.value(), [](float z) { return -stable_softplus(-z); }), {a},
      [](BackwardContext& ctx) {
        // d log σ(z) = 1 − σ(z) = σ(−z)
        ctx.add(0, detail::map2(ctx.grad(), ctx.input(0), [](float g, float z) { return g * stable_sigmoid(-z); }));
      },
      kReadsInputs);
}

Tensor leaky_relu(const Tensor& a, float negative_slope) {
  return from_input("leaky_relu", {Pointwise::LeakyRelu, negative_slope}, a);
}

// α(eᶻ − 1) below zero.
Tensor elu(const Tensor& a, float alpha) { return from_input("elu", {Pointwise::Elu, alpha}, a); }

// x·Φ(x), or x/2·(1 + tanh(√(2/π)(x + 0.044715x³))) with the tanh approximation.
Tensor gelu(const Tensor& a, GeluApproximation approximate) {
  return from_input("gelu", {approximate == GeluApproximation::Tanh ? Pointwise::GeluTanh : Pointwise::GeluErf}, a);
}

Tensor silu(const Tensor& a) { return from_input("silu", {Pointwise::Silu}, a); }

Tensor softplus(const Tensor& a, float beta, float threshold) {
  XTGRAD_CHECK(beta != 0.0f && std::isfinite(beta), "softplus", "beta must be finite and non-zero, got ", beta);
  return from_input("softplus", {Pointwise::Softplus, beta, threshold}, a);
}

Tensor hardtanh(const Tensor& a, float min_val, float max_val) {
  XTGRAD_CHECK(min_val <= max_val, "hardtanh", "min_val ", min_val, " must not exceed max_val ", max_val);
  return from_input("hardtanh", {Pointwise::Hardtanh, min_val, max_val}, a);
}

}  // namespace xtgrad
