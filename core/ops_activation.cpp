// Activations in forms that stay finite for any input, each with its backward below it.
// Pointwise ones with options (leaky_relu ... hardtanh) compute their gradient from the input.
#include <cmath>

#include "autograd.hpp"
#include "detail/check.hpp"
#include "detail/elementwise.hpp"
#include "detail/math.hpp"
#include "detail/parallel.hpp"
#include "detail/simd.hpp"
#include "ops.hpp"

namespace xtgrad {

using detail::stable_sigmoid;
using detail::stable_softplus;

namespace {

// y = f(a) over a whole array with a batch function (long arrays split over the set threads).
template <class F>
Array simd_apply(const Array& a, F f) {
  Array y = Array::from_shape(a.shape());
  const float* src = a.data();
  float* dst = y.data();
  detail::parallel_for(a.size(), detail::kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    detail::simd_map(src + begin, dst + begin, end - begin, f);
  });
  return y;
}

// The input gradient g ⊙ f(saved output), accumulated without a temporary when it is the first.
template <class F>
void add_simd_grad(BackwardContext& ctx, F f) {
  Array g = Array::from_shape(ctx.grad().shape());
  const float* upstream = ctx.grad().data();
  const float* saved = ctx.output().data();
  float* dst = g.data();
  detail::parallel_for(g.size(), detail::kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    detail::simd_map2(upstream + begin, saved + begin, dst + begin, end - begin, f);
  });
  ctx.add(0, std::move(g));
}

}  // namespace

Tensor sigmoid(const Tensor& a) {
  auto forward = [](const detail::FloatBatch& z) { return detail::sigmoid_batch(z); };  // inlined, unlike a pointer
  return record("sigmoid", simd_apply(a.value(), forward), {a}, [](BackwardContext& ctx) {
    // σ'(z) = σ(z)(1 − σ(z)), from the saved output
    add_simd_grad(ctx, [](const auto& g, const auto& s) { return g * s * (1.0f - s); });
  });
}

Tensor tanh(const Tensor& a) {
  return record("tanh", simd_apply(a.value(), [](const auto& z) { return xsimd::tanh(z); }), {a},
                [](BackwardContext& ctx) {
                  // tanh' = 1 − tanh², from the saved output
                  add_simd_grad(ctx, [](const auto& g, const auto& t) { return g * (1.0f - t * t); });
                });
}

Tensor relu(const Tensor& a) {
  return record("relu", detail::map(a.value(), [](float z) { return z > 0.0f ? z : 0.0f; }), {a},
                [](BackwardContext& ctx) {
                  ctx.add(0, detail::map2(ctx.grad(), ctx.output(), [](float g, float y) { return y > 0.0f ? g : 0.0f; }));
                });
}

Tensor softplus(const Tensor& a) {
  return record("softplus", detail::map(a.value(), stable_softplus), {a}, [](BackwardContext& ctx) {
    ctx.add(0, detail::map2(ctx.grad(), ctx.input(0), [](float g, float z) { return g * stable_sigmoid(z); }));
  });
}

Tensor log_sigmoid(const Tensor& a) {
  return record("log_sigmoid", detail::map(a.value(), [](float z) { return -stable_softplus(-z); }), {a},
                [](BackwardContext& ctx) {
                  // d log σ(z) = 1 − σ(z) = σ(−z)
                  ctx.add(0, detail::map2(ctx.grad(), ctx.input(0), [](float g, float z) { return g * stable_sigmoid(-z); }));
                });
}

namespace {

// An activation y = f(x) whose gradient g·f'(x) is computed from the saved input.
template <class F, class DF>
Tensor pointwise(const char* op, const Tensor& a, F f, DF df) {
  return record(op, detail::map(a.value(), f), {a}, [df](BackwardContext& ctx) {
    ctx.add(0, detail::map2(ctx.grad(), ctx.input(0), [df](float g, float z) { return g * df(z); }));
  });
}

constexpr float kSqrt1_2 = 0.70710678118654752f;       // 1/√2
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1/√(2π)
constexpr float kSqrt2OverPi = 0.79788456080286536f;  // √(2/π)
constexpr float kGeluCubic = 0.044715f;

}  // namespace

Tensor leaky_relu(const Tensor& a, float negative_slope) {
  return pointwise(
      "leaky_relu", a, [negative_slope](float z) { return z > 0.0f ? z : z * negative_slope; },
      [negative_slope](float z) { return z > 0.0f ? 1.0f : negative_slope; });
}

Tensor elu(const Tensor& a, float alpha) {
  // α(eᶻ − 1) below zero, through expm1 so small |z| keeps its digits; derivative α·eᶻ there.
  return pointwise(
      "elu", a, [alpha](float z) { return z > 0.0f ? z : alpha * std::expm1(z); },
      [alpha](float z) { return z > 0.0f ? 1.0f : alpha * std::exp(z); });
}

Tensor gelu(const Tensor& a, GeluApproximation approximate) {
  if (approximate == GeluApproximation::Tanh) {
    // x/2·(1 + tanh(u)), u = √(2/π)(x + 0.044715x³);
    // derivative (1 + t)/2 + x/2·(1 − t²)·√(2/π)(1 + 3·0.044715x²).
    return pointwise(
        "gelu", a,
        [](float z) { return 0.5f * z * (1.0f + std::tanh(kSqrt2OverPi * (z + kGeluCubic * z * z * z))); },
        [](float z) {
          float t = std::tanh(kSqrt2OverPi * (z + kGeluCubic * z * z * z));
          return 0.5f * (1.0f + t) + 0.5f * z * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * z * z);
        });
  }
  // x·Φ(x), Φ(x) = (1 + erf(x/√2))/2; derivative Φ(x) + x·φ(x), φ the standard normal density.
  return pointwise(
      "gelu", a, [](float z) { return 0.5f * z * (1.0f + std::erf(z * kSqrt1_2)); },
      [](float z) { return 0.5f * (1.0f + std::erf(z * kSqrt1_2)) + z * kInvSqrt2Pi * std::exp(-0.5f * z * z); });
}

Tensor silu(const Tensor& a) {
  // x·σ(x); derivative σ(x)(1 + x(1 − σ(x))).
  return pointwise(
      "silu", a, [](float z) { return z * stable_sigmoid(z); },
      [](float z) {
        float s = stable_sigmoid(z);
        return s * (1.0f + z * (1.0f - s));
      });
}

Tensor softplus(const Tensor& a, float beta, float threshold) {
  XTGRAD_CHECK(beta != 0.0f && std::isfinite(beta), "softplus", "beta must be finite and non-zero, got ", beta);
  // As PyTorch: x itself where βx > threshold, else log(1 + e^(βx))/β; derivative σ(βx) (1 past it).
  return pointwise(
      "softplus", a, [=](float z) { return beta * z > threshold ? z : stable_softplus(beta * z) / beta; },
      [=](float z) { return beta * z > threshold ? 1.0f : stable_sigmoid(beta * z); });
}

Tensor hardtanh(const Tensor& a, float min_val, float max_val) {
  XTGRAD_CHECK(min_val <= max_val, "hardtanh", "min_val ", min_val, " must not exceed max_val ", max_val);
  // Clamps to [min_val, max_val]; the gradient passes strictly inside only, as PyTorch's.
  return pointwise(
      "hardtanh", a, [=](float z) { return z < min_val ? min_val : (z > max_val ? max_val : z); },
      [=](float z) { return z > min_val && z < max_val ? 1.0f : 0.0f; });
}

}  // namespace xtgrad
