// Activations in forms that stay finite for any input, each with its backward below it.
#include <cmath>

#include "autograd.hpp"
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

}  // namespace xtgrad
