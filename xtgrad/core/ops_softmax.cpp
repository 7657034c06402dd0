// softmax, log_softmax and logsumexp along one dim. Each slice is shifted by its maximum m
// first, so e^(x − m) <= 1 never overflows and logits of ±1000 give finite results.
#include <cmath>
#include <limits>
#include <utility>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/axis.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

using detail::AxisSplit;

// f(slice, out_slice) for every slice along the axis; element j of slice (o, i) is at
// base + j·inner with base = o·n·inner + i.
template <class F>
void for_each_slice(const AxisSplit& s, F f) {
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t i = 0; i < s.inner; ++i) f(o * s.n * s.inner + i, o * s.inner + i);
}

// The slice's maximum m and log Σ_j e^(x_j − m); then logsumexp = m + that, and
// log_softmax_j = (x_j − m) − that, which keeps the small differences exact (x − logsumexp would
// round at |x| = 1000). As in PyTorch, logsumexp takes m = 0 when the maximum is ±inf (a slice of
// −inf gives −inf, one with +inf gives +inf), while softmax and log_softmax keep it, so a slice
// with +inf, or of −inf only, is NaN throughout.
std::pair<float, float> slice_shift(const float* x, std::size_t base, const AxisSplit& s, bool finite_shift) {
  if (s.n == 0) return {0.0f, -std::numeric_limits<float>::infinity()};  // log of an empty sum
  float m = x[base];
  for (std::size_t j = 1; j < s.n; ++j) m = std::fmax(m, x[base + j * s.inner]);
  if (finite_shift && std::isinf(m)) m = 0.0f;
  double total = 0.0;
  for (std::size_t j = 0; j < s.n; ++j) total += std::exp(static_cast<double>(x[base + j * s.inner] - m));
  return {m, static_cast<float>(std::log(total))};
}

Array log_softmax_values(const Array& x, const AxisSplit& s) {
  Array y = Array::from_shape(x.shape());
  for_each_slice(s, [&](std::size_t base, std::size_t) {
    auto [m, log_total] = slice_shift(x.data(), base, s, false);
    for (std::size_t j = 0; j < s.n; ++j) {
      std::size_t k = base + j * s.inner;
      y.data()[k] = (x.data()[k] - m) - log_total;
    }
  });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) {
  AxisSplit s = detail::split_at("softmax", x.value(), dim, true);
  Array y = log_softmax_values(x.value(), s);
  for (float& v : y) v = std::exp(v);
  // dx_j = y_j·(g_j − Σ_k g_k·y_k), from the saved output.
  return record(
      "softmax", std::move(y), {x},
      [s](BackwardContext& ctx) {
        const Array& y = ctx.output();
        const Array& g = ctx.grad();
        Array grad = Array::from_shape(y.shape());
        for_each_slice(s, [&](std::size_t base, std::size_t) {
          double dot = 0.0;
          for (std::size_t j = 0; j < s.n; ++j) dot += g.data()[base + j * s.inner] * y.data()[base + j * s.inner];
          for (std::size_t j = 0; j < s.n; ++j) {
            std::size_t k = base + j * s.inner;
            grad.data()[k] = y.data()[k] * (g.data()[k] - static_cast<float>(dot));
          }
        });
        ctx.add(0, std::move(grad));
      },
      kReadsOutput);
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  AxisSplit s = detail::split_at("log_softmax", x.value(), dim, true);
  // dx_j = g_j − softmax_j·Σ_k g_k, with softmax = e^y from the saved output.
  return record(
      "log_softmax", log_softmax_values(x.value(), s), {x},
      [s](BackwardContext& ctx) {
        const Array& y = ctx.output();
        const Array& g = ctx.grad();
        Array grad = Array::from_shape(y.shape());
        for_each_slice(s, [&](std::size_t base, std::size_t) {
          double total = 0.0;
          for (std::size_t j = 0; j < s.n; ++j) total += g.data()[base + j * s.inner];
          for (std::size_t j = 0; j < s.n; ++j) {
            std::size_t k = base + j * s.inner;
            grad.data()[k] = g.data()[k] - std::exp(y.data()[k]) * static_cast<float>(total);
          }
        });
        ctx.add(0, std::move(grad));
      },
      kReadsOutput);
}

Tensor logsumexp(const Tensor& x, std::int64_t dim, bool keepdim) {
  AxisSplit s = detail::split_at("logsumexp", x.value(), dim, keepdim);
  Array y = Array::from_shape(s.out_shape);
  for_each_slice(s, [&](std::size_t base, std::size_t out) {
    auto [m, log_total] = slice_shift(x.value().data(), base, s, true);
    y.data()[out] = m + log_total;
  });
  // dx_j = g·e^(x_j − logsumexp), the softmax.
  return record(
      "logsumexp", std::move(y), {x},
      [s](BackwardContext& ctx) {
        const Array& x = ctx.input(0);
        const Array& y = ctx.output();
        const Array& g = ctx.grad();
        Array grad = Array::from_shape(x.shape());
        for_each_slice(s, [&](std::size_t base, std::size_t out) {
          for (std::size_t j = 0; j < s.n; ++j) {
            std::size_t k = base + j * s.inner;
            grad.data()[k] = g.data()[out] * std::exp(x.data()[k] - y.data()[out]);
          }
        });
        ctx.add(0, std::move(grad));
      },
      BackwardReads{});  // x and the output, as PyTorch
}

}  // namespace xtgrad
