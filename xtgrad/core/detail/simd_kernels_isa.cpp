// The vectorised kernels for one instruction set. Compiled three times (core/CMakeLists.txt), with
// XTGRAD_KERNEL_ARCH the xsimd architecture, XTGRAD_KERNEL_NS its namespace and the matching -m
// flags. Nothing here may run before it is chosen: no namespace-scope object with a constructor
// (it would execute, say, AVX-512 code at start-up on any CPU), and every helper has internal
// linkage or is a template on the architecture, so no symbol is shared with another copy.
#include <cstddef>
#include <cstdint>

#include "xtgrad/core/detail/isa_variants.hpp"
#include "xtgrad/core/detail/simd.hpp"

namespace xtgrad::detail::XTGRAD_KERNEL_NS {
namespace {

using A = XTGRAD_KERNEL_ARCH;
using B = Batch<A>;

constexpr float kSqrt1_2 = 0.70710678118654752f;      // 1/√2
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1/√(2π)
constexpr float kSqrt2OverPi = 0.79788456080286536f;  // √(2/π)
constexpr float kGeluCubic = 0.044715f;

// tanh(u), u = √(2/π)(x + 0.044715x³): GELU's tanh approximation.
B gelu_tanh_inner(const B& z) { return xsimd::tanh(kSqrt2OverPi * (z + kGeluCubic * z * z * z)); }

// Calls body(f, f') with the batch function of fn and its derivative, each a lambda the loops
// inline (one switch per call, none per element).
template <class Body>
void with_pointwise(PointwiseFn fn, Body body) {
  const B zero(0.0f), one(1.0f), half(0.5f), p(fn.p), q(fn.q);
  switch (fn.f) {
    case Pointwise::Sigmoid:
      return body([](const B& z) { return sigmoid_batch(z); },
                  [one](const B& z) {
                    B s = sigmoid_batch(z);
                    return s * (one - s);
                  });
    case Pointwise::Tanh:
      return body([](const B& z) { return xsimd::tanh(z); },
                  [one](const B& z) {
                    B t = xsimd::tanh(z);
                    return one - t * t;
                  });
    // The tests are written so that NaN fails them and passes through, as in PyTorch's kernels:
    // relu(NaN) = NaN with slope 1, elu(NaN) = NaN, hardtanh(NaN) = NaN with slope 1.
    case Pointwise::Relu:
      return body([=](const B& z) { return xsimd::select(z <= zero, zero, z); },
                  [=](const B& z) { return xsimd::select(z <= zero, zero, one); });
    case Pointwise::LeakyRelu:  // p = negative slope
      return body([=](const B& z) { return xsimd::select(z > zero, z, z * p); },
                  [=](const B& z) { return xsimd::select(z > zero, one, p); });
    case Pointwise::Elu:  // α(eᶻ − 1) below zero, through expm1 so small |z| keeps its digits; α·eᶻ its slope
      return body([=](const B& z) { return xsimd::select(z <= zero, p * xsimd::expm1(xsimd::min(z, zero)), z); },
                  [=](const B& z) { return xsimd::select(z <= zero, p * xsimd::exp(xsimd::min(z, zero)), one); });
    case Pointwise::GeluTanh:
      // x/2·(1 + t), t = tanh(u); derivative (1 + t)/2 + x/2·(1 − t²)·√(2/π)(1 + 3·0.044715x²).
      return body([=](const B& z) { return half * z * (one + gelu_tanh_inner(z)); },
                  [=](const B& z) {
                    B t = gelu_tanh_inner(z);
                    return half * (one + t) +
                           half * z * (one - t * t) * kSqrt2OverPi * (one + 3.0f * kGeluCubic * z * z);
                  });
    case Pointwise::GeluErf:
      // x·Φ(x), Φ(x) = (1 + erf(x/√2))/2; derivative Φ(x) + x·φ(x), φ the standard normal density.
      return body([=](const B& z) { return half * z * (one + xsimd::erf(z * kSqrt1_2)); },
                  [=](const B& z) {
                    return half * (one + xsimd::erf(z * kSqrt1_2)) + z * kInvSqrt2Pi * xsimd::exp(-half * z * z);
                  });
    case Pointwise::Silu:  // x·σ(x); derivative σ(x)(1 + x(1 − σ(x)))
      return body([](const B& z) { return z * sigmoid_batch(z); },
                  [one](const B& z) {
                    B s = sigmoid_batch(z);
                    return s * (one + z * (one - s));
                  });
    case Pointwise::Softplus:
      // As PyTorch: x itself where βx > threshold, else log(1 + e^(βx))/β; derivative σ(βx) (1 past it).
      return body([=](const B& z) { return xsimd::select(p * z > q, z, softplus_batch(p * z) / p); },
                  [=](const B& z) { return xsimd::select(p * z > q, one, sigmoid_batch(p * z)); });
    case Pointwise::Exp:  // cross-entropy's e^(x − max)
      return body([](const B& z) { return xsimd::exp(z); }, [](const B& z) { return xsimd::exp(z); });
    case Pointwise::Hardtanh:  // clamps to [p, q]; the gradient passes strictly inside only, as PyTorch's
      return body([=](const B& z) { return xsimd::select(z < p, p, xsimd::select(z > q, q, z)); },
                  [=](const B& z) { return xsimd::select((z <= p) | (z >= q), zero, one); });
  }
}

void forward(PointwiseFn fn, const float* x, float* y, std::size_t n) {
  with_pointwise(fn, [&](auto f, auto) { simd_map<A>(x, y, n, f); });
}

void grad_from_input(PointwiseFn fn, const float* g, const float* x, float* dx, std::size_t n) {
  with_pointwise(fn, [&](auto, auto df) {
    simd_map2<A>(g, x, dx, n, [&df](const B& up, const B& z) { return up * df(z); });
  });
}

void grad_from_output(Pointwise f, const float* g, const float* y, float* dx, std::size_t n) {
  const B zero(0.0f), one(1.0f);
  if (f == Pointwise::Sigmoid)  // σ' = σ(1 − σ)
    simd_map2<A>(g, y, dx, n, [one](const B& up, const B& s) { return up * s * (one - s); });
  else if (f == Pointwise::Tanh)  // tanh' = 1 − tanh²
    simd_map2<A>(g, y, dx, n, [one](const B& up, const B& t) { return up * (one - t * t); });
  else  // relu stops g where its output is <= 0 (PyTorch's threshold_backward; NaN passes)
    simd_map2<A>(g, y, dx, n, [zero](const B& up, const B& r) { return xsimd::select(r <= zero, zero, up); });
}

// A batch of columns at a time down all rows, so each sum stays in a register; the last columns
// (fewer than a batch, or a single-output layer's one) are summed one by one.
void add_column_sums(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, float* acc) {
  std::size_t c = 0;
  for (; c + B::size <= cols; c += B::size) {
    B total = B::load_unaligned(acc + c);
    for (std::size_t r = 0; r < rows; ++r) total += B::load_unaligned(x + r * ld + c);
    total.store_unaligned(acc + c);
  }
  for (; c < cols; ++c) {
    float total = acc[c];
    for (std::size_t r = 0; r < rows; ++r) total += x[r * ld + c];
    acc[c] = total;
  }
}

// MT19937-64's twist (Matsumoto and Nishimura's recurrence, as [rand.eng.mers] and libstdc++
// state it): x[k] = x[k + m] ⊕ (y >> 1) ⊕ (a if y is odd), y = the top bit of x[k] and the low 63
// of x[k + 1], for k = 0 … n − 1 with indices mod n, in order. Every x[k + 1] a batch reads is
// still the old one; x[k + m] is old for k < n − m and already new after, as the recurrence wants.
using U64 = xsimd::batch<std::uint64_t, A>;
constexpr std::size_t kMtN = kMt64StateWords, kMtM = kMtN / 2;
constexpr std::uint64_t kMtMatrixA = 0xb5026f5aa96619e9ULL, kMtUpper = ~std::uint64_t{0} << 31, kMtLower = ~kMtUpper;

template <class T>
T mt_twisted(T x_k, T x_next, T x_far) {  // for std::uint64_t and U64 alike
  T y = (x_k & T(kMtUpper)) | (x_next & T(kMtLower));
  return x_far ^ (y >> 1) ^ ((T(0) - (y & T(1))) & T(kMtMatrixA));
}

// x[k] = mt_twisted(x[k], x[k + 1], x[k + far]) for k in [begin, end), far = m or m − n.
void mt_twist_range(std::uint64_t* x, std::size_t begin, std::size_t end, std::ptrdiff_t far) {
  std::size_t k = begin;
  for (; k + U64::size <= end; k += U64::size)
    mt_twisted(U64::load_unaligned(x + k), U64::load_unaligned(x + k + 1), U64::load_unaligned(x + k + far))
        .store_unaligned(x + k);
  for (; k < end; ++k) x[k] = mt_twisted(x[k], x[k + 1], x[k + far]);
}

void mt19937_64_twist(std::uint64_t* x) {
  const auto m = static_cast<std::ptrdiff_t>(kMtM), n = static_cast<std::ptrdiff_t>(kMtN);
  mt_twist_range(x, 0, kMtN - kMtM, m);
  mt_twist_range(x, kMtN - kMtM, kMtN - 1, m - n);
  x[kMtN - 1] = mt_twisted(x[kMtN - 1], x[0], x[kMtM - 1]);
}

// Dropout: each 64-bit draw gives two values' 32 bits, its low half first. On x86-64 (little-
// endian) that is the order of the halves in memory, so a batch of words read as 32-bit lanes is
// a batch of values in order. A uniform of 24 bits is exact in float, as is its conversion.
using U32 = xsimd::batch<std::uint32_t, A>;
using I32 = xsimd::batch<std::int32_t, A>;
static_assert(U32::size == B::size && 2 * U64::size == B::size, "a batch of floats is a batch of word halves");

void dropout_forward(const std::uint64_t* bits, std::size_t n, float p, float scale, const float* x, float* mask,
                     float* y) {
  const B threshold(p), keep(scale), drop(0.0f), unit(0x1.0p-24f);
  std::size_t i = 0;
  for (; i + B::size <= n; i += B::size) {
    U32 halves = xsimd::bitwise_cast<U32>(U64::load_unaligned(bits + i / 2));
    B u = xsimd::batch_cast<float>(xsimd::bitwise_cast<I32>(halves >> 8)) * unit;
    B m = xsimd::select(u >= threshold, keep, drop);
    m.store_unaligned(mask + i);
    (B::load_unaligned(x + i) * m).store_unaligned(y + i);
  }
  for (; i < n; ++i) {
    auto half = static_cast<std::uint32_t>(i % 2 == 0 ? bits[i / 2] : bits[i / 2] >> 32);
    mask[i] = static_cast<float>(half >> 8) * 0x1.0p-24f >= p ? scale : 0.0f;
    y[i] = x[i] * mask[i];
  }
}

void multiply(const float* a, const float* b, float* out, std::size_t n) {
  simd_map2<A>(a, b, out, n, [](const B& u, const B& v) { return u * v; });
}

}  // namespace

const SimdKernels& kernels() {
  static const SimdKernels table{
      forward,     grad_from_input,         grad_from_output,         add_column_sums,     eigen_gemm,
      small_gemm,  lstm_cell_forward,       lstm_cell_backward,       gru_cell_forward,    gru_cell_backward,
      adam_update, mt19937_64_twist,        layer_norm_forward,       layer_norm_backward, dropout_forward,
      multiply,    bce_with_logits_forward, bce_with_logits_backward, sgd_update};
  return table;
}

}  // namespace xtgrad::detail::XTGRAD_KERNEL_NS
