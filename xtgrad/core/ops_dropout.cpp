// Dropout as a function (inverted dropout, as torch.nn.functional.dropout): the scaling
// happens in training, so inference is the identity.
#include <algorithm>
#include <cstdint>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/core/ops.hpp"
#include "xtgrad/core/random.hpp"

namespace xtgrad {

Tensor dropout(const Tensor& x, float p, bool training, Generator& generator) {
  XTGRAD_CHECK(p >= 0.0f && p <= 1.0f, "dropout", "probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0.0f) return x;  // x itself, as PyTorch: no copy, no tape entry
  // mask = keep / (1 − p), with keep ~ Bernoulli(1 − p); p = 1 keeps nothing (no 0/0). Each
  // 64-bit draw gives two 24-bit uniforms (its halves), as uniform() gives one: half the draws.
  // The draws are taken in order, a chunk at a time; the vector kernel of the CPU's instruction
  // set (detail/simd_kernels.hpp) turns them into the mask and y.
  const std::size_t n = x.numel();
  Array mask = Array::from_shape(x.value().shape());
  Array y = Array::from_shape(x.value().shape());
  const float scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
  const detail::SimdKernels& kernels = detail::simd_kernels();
  constexpr std::size_t kChunkWords = 512;
  std::uint64_t bits[kChunkWords];
  for (std::size_t i = 0; i < n; i += 2 * kChunkWords) {
    const std::size_t values = std::min(2 * kChunkWords, n - i), words = (values + 1) / 2;
    for (std::size_t k = 0; k < words; ++k) bits[k] = generator.next_u64();
    kernels.dropout_forward(bits, values, p, scale, x.value().data() + i, mask.data() + i, y.data() + i);
  }
  return record(
      "dropout", std::move(y), {x},
      [mask = std::move(mask)](BackwardContext& ctx) {
        Array g = Array::from_shape(mask.shape());  // dy/dx = mask
        detail::simd_kernels().multiply(ctx.grad().data(), mask.data(), g.data(), g.size());
        ctx.add(0, std::move(g));
      },
      kReadsNothing);
}

Tensor dropout(const Tensor& x, float p, bool training) { return dropout(x, p, training, default_generator()); }

}  // namespace xtgrad
