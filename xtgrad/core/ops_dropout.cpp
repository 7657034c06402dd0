// Dropout as a function (inverted dropout, as torch.nn.functional.dropout): the scaling
// happens in training, so inference is the identity.
#include <cstdint>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/ops.hpp"
#include "xtgrad/core/random.hpp"

namespace xtgrad {

Tensor dropout(const Tensor& x, float p, bool training, Generator& generator) {
  XTGRAD_CHECK(p >= 0.0f && p <= 1.0f, "dropout", "probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0.0f) return x;  // x itself, as PyTorch: no copy, no tape entry
  // mask = keep / (1 − p), with keep ~ Bernoulli(1 − p); p = 1 keeps nothing (no 0/0). Each
  // 64-bit draw gives two 24-bit uniforms (its halves), as uniform() gives one: half the draws.
  const std::size_t n = x.numel();
  Array mask = Array::from_shape(x.value().shape());
  Array y = Array::from_shape(x.value().shape());
  const float scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
  const float* px = x.value().data();
  float* pm = mask.data();
  float* py = y.data();
  auto keep = [p, scale](std::uint32_t bits) { return static_cast<float>(bits >> 8) * 0x1.0p-24f >= p ? scale : 0.0f; };
  for (std::size_t i = 0; i < n; i += 2) {
    std::uint64_t bits = generator.next_u64();
    pm[i] = keep(static_cast<std::uint32_t>(bits));
    if (i + 1 < n) pm[i + 1] = keep(static_cast<std::uint32_t>(bits >> 32));
  }
  for (std::size_t i = 0; i < n; ++i) py[i] = px[i] * pm[i];
  return record("dropout", std::move(y), {x}, [mask = std::move(mask)](BackwardContext& ctx) {
    Array g = Array::from_shape(mask.shape());  // dy/dx = mask
    const float* up = ctx.grad().data();
    for (std::size_t i = 0; i < g.size(); ++i) g.data()[i] = up[i] * mask.data()[i];
    ctx.add(0, std::move(g));
  });
}

Tensor dropout(const Tensor& x, float p, bool training) { return dropout(x, p, training, default_generator()); }

}  // namespace xtgrad
