// BCEWithLogitsLoss's per-element loss and gradient (losses/bce.cpp) for one instruction set,
// built like detail/simd_kernels_isa.cpp (see its rules: no start-up code, nothing shared between
// copies); the functions are this ISA's, declared in isa_variants.hpp and put in its table there.
// The loss is PyTorch's (1 − y)·z + lw·softplus(−z), lw = 1 + (p − 1)·y, written so that nothing
// cancels: softplus(−z) = max(−z, 0) + log1p(e^−|z|), and for z < 0 the first two terms are
// (1 − y)·z − lw·z = −p·y·z exactly. Adding the large terms first (as PyTorch's formula does) lost
// every digit of a small loss: y = 0, z = −15 gave 0 for log1p(e^−15) = 3.06e-7. e^−|z| <= 1
// never overflows, z = ±1e4 stays finite and NaN stays NaN; at z = ±inf the loss is PyTorch's
// formula as written (NaN where it multiplies 0 by inf).
#include <cstddef>
#include <limits>

#include "xtgrad/core/detail/isa_variants.hpp"
#include "xtgrad/core/detail/simd.hpp"

namespace xtgrad::detail::XTGRAD_KERNEL_NS {
namespace {

using A = XTGRAD_KERNEL_ARCH;
using B = Batch<A>;
constexpr std::size_t kWidth = B::size;
constexpr float kInfinity = std::numeric_limits<float>::infinity();

// Calls body(i, lanes) for each batch of n values: full batches, then the tail (lanes < kWidth),
// which body loads with load_n (zero-padded: every lane computes on finite numbers) and stores with store_n.
template <class Body>
void for_each_batch(std::size_t n, Body body) {
  for (std::size_t i = 0; i < n; i += kWidth) body(i, n - i < kWidth ? n - i : kWidth);
}

// The flags are template arguments so that an absent weight costs no multiply and no branch.
template <bool Weight, bool PosWeight>
void forward_pass(const float* z, const float* y, const float* w, const float* pw, float* loss, double* sum,
                  std::size_t n) {
  const B one(1.0f);
  double total = 0.0;
  for_each_batch(n, [&](std::size_t i, std::size_t lanes) {
    B x = load_n<A>(z + i, lanes), t = load_n<A>(y + i, lanes);
    B p = PosWeight ? load_n<A>(pw + i, lanes) : one;
    B lw = PosWeight ? one + (p - one) * t : one;
    B tail = xsimd::log1p(xsimd::exp(-xsimd::abs(x)));  // log1p(e^−|z|)
    B linear = xsimd::select(x >= B(0.0f), (one - t) * x, -(PosWeight ? p * t : t) * x);
    B l = xsimd::select(xsimd::abs(x) == B(kInfinity), (one - t) * x + lw * (xsimd::max(-x, B(0.0f)) + tail),
                        linear + lw * tail);
    if (Weight) l *= load_n<A>(w + i, lanes);
    if (loss) store_n(l, loss + i, lanes);
    if (sum) {  // in double and in element order, as the reduction always summed
      alignas(64) float lane[kWidth];
      l.store_aligned(lane);
      for (std::size_t k = 0; k < lanes; ++k) total += lane[k];
    }
  });
  if (sum) *sum = total;
}

template <bool Weight, bool PosWeight>
void backward_pass(const float* z, const float* y, const float* w, const float* pw, const float* upstream, float scale,
                   bool accumulate, float* dz, std::size_t n) {
  const B one(1.0f), scale_b(scale);
  for_each_batch(n, [&](std::size_t i, std::size_t lanes) {
    B x = load_n<A>(z + i, lanes), t = load_n<A>(y + i, lanes);
    B s = sigmoid_batch(x);
    B d;
    if (PosWeight) {  // lw·σ(z) − p·y
      B p = load_n<A>(pw + i, lanes);
      d = (one + (p - one) * t) * s - p * t;
    } else {
      d = s - t;
    }
    if (Weight) d *= load_n<A>(w + i, lanes);
    d *= upstream ? load_n<A>(upstream + i, lanes) : scale_b;
    if (accumulate) d = load_n<A>(dz + i, lanes) + d;
    store_n(d, dz + i, lanes);
  });
}

}  // namespace

void bce_with_logits_forward(const float* z, const float* y, const float* w, const float* pw, float* loss, double* sum,
                             std::size_t n) {
  if (w && pw) forward_pass<true, true>(z, y, w, pw, loss, sum, n);
  else if (w) forward_pass<true, false>(z, y, w, pw, loss, sum, n);
  else if (pw) forward_pass<false, true>(z, y, w, pw, loss, sum, n);
  else forward_pass<false, false>(z, y, w, pw, loss, sum, n);
}

void bce_with_logits_backward(const float* z, const float* y, const float* w, const float* pw, const float* upstream,
                              float scale, bool accumulate, float* dz, std::size_t n) {
  if (w && pw) backward_pass<true, true>(z, y, w, pw, upstream, scale, accumulate, dz, n);
  else if (w) backward_pass<true, false>(z, y, w, pw, upstream, scale, accumulate, dz, n);
  else if (pw) backward_pass<false, true>(z, y, w, pw, upstream, scale, accumulate, dz, n);
  else backward_pass<false, false>(z, y, w, pw, upstream, scale, accumulate, dz, n);
}

}  // namespace xtgrad::detail::XTGRAD_KERNEL_NS
