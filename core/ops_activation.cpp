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

using detail::FloatBatch;

// An activation y = f(x) whose gradient g·f'(x) is computed from the saved input; f and f' take
// and return a FloatBatch (vectorised, and split over the set threads for long arrays).
template <class F, class DF>
Tensor pointwise(const char* op, const Tensor& a, F f, DF df) {
  return record(op, simd_apply(a.value(), f), {a}, [df](BackwardContext& ctx) {
    Array g = Array::from_shape(ctx.grad().shape());
    const float* upstream = ctx.grad().data();
    const float* input = ctx.input(0).data();
    float* dst = g.data();
    detail::parallel_for(g.size(), detail::kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
      detail::simd_map2(upstream + begin, input + begin, dst + begin, end - begin,
                        [&df](const FloatBatch& up, const FloatBatch& z) { return up * df(z); });
    });
    ctx.add(0, std::move(g));
  });
}

const FloatBatch kZero(0.0f), kOne(1.0f), kHalf(0.5f);
constexpr float kSqrt1_2 = 0.70710678118654752f;       // 1/√2
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1/√(2π)
constexpr float kSqrt2OverPi = 0.79788456080286536f;  // √(2/π)
constexpr float kGeluCubic = 0.044715f;

// log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|), on a batch.
FloatBatch softplus_batch(const FloatBatch& z) { return xsimd::max(z, kZero) + xsimd::log1p(xsimd::exp(-xsimd::abs(z))); }

}  // namespace

Tensor leaky_relu(const Tensor& a, float negative_slope) {
  FloatBatch slope(negative_slope);
  return pointwise(
      "leaky_relu", a, [slope](const FloatBatch& z) { return xsimd::select(z > kZero, z, z * slope); },
      [slope](const FloatBatch& z) { return xsimd::select(z > kZero, kOne, slope); });
}

Tensor elu(const Tensor& a, float alpha) {
  // α(eᶻ − 1) below zero, through expm1 so small |z| keeps its digits; derivative α·eᶻ there.
  FloatBatch al(alpha);
  return pointwise(
      "elu", a, [al](const FloatBatch& z) { return xsimd::select(z > kZero, z, al * xsimd::expm1(xsimd::min(z, kZero))); },
      [al](const FloatBatch& z) { return xsimd::select(z > kZero, kOne, al * xsimd::exp(xsimd::min(z, kZero))); });
}

Tensor gelu(const Tensor& a, GeluApproximation approximate) {
  if (approximate == GeluApproximation::Tanh) {
    // x/2·(1 + tanh(u)), u = √(2/π)(x + 0.044715x³);
    // derivative (1 + t)/2 + x/2·(1 − t²)·√(2/π)(1 + 3·0.044715x²).
    auto t_of = [](const FloatBatch& z) { return xsimd::tanh(kSqrt2OverPi * (z + kGeluCubic * z * z * z)); };
    return pointwise(
        "gelu", a, [t_of](const FloatBatch& z) { return kHalf * z * (kOne + t_of(z)); },
        [t_of](const FloatBatch& z) {
          FloatBatch t = t_of(z);
          return kHalf * (kOne + t) + kHalf * z * (kOne - t * t) * kSqrt2OverPi * (kOne + 3.0f * kGeluCubic * z * z);
        });
  }
  // x·Φ(x), Φ(x) = (1 + erf(x/√2))/2; derivative Φ(x) + x·φ(x), φ the standard normal density.
  return pointwise(
      "gelu", a, [](const FloatBatch& z) { return kHalf * z * (kOne + xsimd::erf(z * kSqrt1_2)); },
      [](const FloatBatch& z) {
        return kHalf * (kOne + xsimd::erf(z * kSqrt1_2)) + z * kInvSqrt2Pi * xsimd::exp(-kHalf * z * z);
      });
}

Tensor silu(const Tensor& a) {
  // x·σ(x); derivative σ(x)(1 + x(1 − σ(x))).
  return pointwise(
      "silu", a, [](const FloatBatch& z) { return z * detail::sigmoid_batch(z); },
      [](const FloatBatch& z) {
        FloatBatch s = detail::sigmoid_batch(z);
        return s * (kOne + z * (kOne - s));
      });
}

Tensor softplus(const Tensor& a, float beta, float threshold) {
  XTGRAD_CHECK(beta != 0.0f && std::isfinite(beta), "softplus", "beta must be finite and non-zero, got ", beta);
  // As PyTorch: x itself where βx > threshold, else log(1 + e^(βx))/β; derivative σ(βx) (1 past it).
  FloatBatch b(beta), limit(threshold);
  return pointwise(
      "softplus", a, [=](const FloatBatch& z) { return xsimd::select(b * z > limit, z, softplus_batch(b * z) / b); },
      [=](const FloatBatch& z) { return xsimd::select(b * z > limit, kOne, detail::sigmoid_batch(b * z)); });
}

Tensor hardtanh(const Tensor& a, float min_val, float max_val) {
  XTGRAD_CHECK(min_val <= max_val, "hardtanh", "min_val ", min_val, " must not exceed max_val ", max_val);
  // Clamps to [min_val, max_val]; the gradient passes strictly inside only, as PyTorch's.
  FloatBatch lo(min_val), hi(max_val);
  return pointwise(
      "hardtanh", a, [=](const FloatBatch& z) { return xsimd::min(xsimd::max(z, lo), hi); },
      [=](const FloatBatch& z) { return xsimd::select((z > lo) & (z < hi), kOne, kZero); });
}

}  // namespace xtgrad
