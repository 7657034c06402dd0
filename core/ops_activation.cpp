// Activations in forms that stay finite for any input, each with its backward below it.
#include <cmath>

#include "autograd.hpp"
#include "detail/elementwise.hpp"
#include "detail/math.hpp"
#include "ops.hpp"

namespace xtgrad {

using detail::stable_sigmoid;
using detail::stable_softplus;

Tensor sigmoid(const Tensor& a) {
  return record("sigmoid", detail::map(a.value(), stable_sigmoid), {a}, [](BackwardContext& ctx) {
    // σ'(z) = σ(z)(1 − σ(z)), from the saved output
    ctx.add(0, detail::map2(ctx.grad(), ctx.output(), [](float g, float s) { return g * s * (1.0f - s); }));
  });
}

Tensor tanh(const Tensor& a) {
  return record("tanh", detail::map(a.value(), [](float z) { return std::tanh(z); }), {a}, [](BackwardContext& ctx) {
    ctx.add(0, detail::map2(ctx.grad(), ctx.output(), [](float g, float t) { return g * (1.0f - t * t); }));
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
