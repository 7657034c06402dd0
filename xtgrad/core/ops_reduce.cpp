// Reductions over all elements or one axis. A row-major array seen as [outer, n, inner]
// around the reduced axis makes each a plain loop.
#include <cmath>
#include <limits>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/axis.hpp"
#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

using detail::AxisSplit;
using detail::split_at;

// y[o, i] = scale * sum_j x[o, j, i]
Array sum_axis(const Array& x, const AxisSplit& s, float scale) {
  Array y = xt::zeros<float>(s.out_shape);
  const float* src = x.data();
  float* dst = y.data();
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t j = 0; j < s.n; ++j)
      for (std::size_t i = 0; i < s.inner; ++i) dst[o * s.inner + i] += src[(o * s.n + j) * s.inner + i];
  if (scale != 1.0f)
    for (float& v : y) v *= scale;
  return y;
}

// The adjoint of sum_axis: x[o, j, i] = scale * g[o, i]
Array spread_axis(const Array& g, const Array::inner_shape_type& shape, const AxisSplit& s, float scale) {
  Array x = Array::from_shape(shape);
  const float* src = g.data();
  float* dst = x.data();
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t j = 0; j < s.n; ++j)
      for (std::size_t i = 0; i < s.inner; ++i) dst[(o * s.n + j) * s.inner + i] = scale * src[o * s.inner + i];
  return x;
}

Tensor reduce_all(const char* op, const Tensor& a, float scale) {
  double total = 0.0;  // double accumulation keeps large sums exact to float precision
  for (float v : a.value()) total += v;
  Array y = xt::zeros<float>(Shape{});
  y() = static_cast<float>(total * scale);
  return record(
      op, std::move(y), {a},
      [scale](BackwardContext& ctx) {
        Array g = Array::from_shape(ctx.input_shape(0));
        g.fill(ctx.grad()() * scale);
        ctx.add(0, std::move(g));
      },
      kReadsNothing);
}

Tensor reduce_axis(const char* op, const Tensor& a, std::int64_t axis, bool keepdims, bool average) {
  AxisSplit s = split_at(op, a.value(), axis, keepdims);
  float scale = average ? 1.0f / static_cast<float>(s.n) : 1.0f;
  // PyTorch 1.13 saves the input of a mean over dims (not of a sum): changing it in place before
  // backward() is refused there, so it counts as read here.
  return record(
      op, sum_axis(a.value(), s, scale), {a},
      [s, scale](BackwardContext& ctx) { ctx.add(0, spread_axis(ctx.grad(), ctx.input_shape(0), s, scale)); },
      average ? kReadsInputs : kReadsNothing);
}

// The first largest (or smallest) element along the axis: its value, recorded with a gradient
// that goes to that element only (as PyTorch), and its position along the axis as an index tensor.
ValuesAndIndices extreme(const char* op, const Tensor& a, std::int64_t axis, bool keepdims, bool largest) {
  AxisSplit s = split_at(op, a.value(), axis, keepdims);
  XTGRAD_CHECK(s.n > 0, op, "cannot reduce over an empty axis of shape ", detail::dims(a.value()));
  Array y = Array::from_shape(s.out_shape);
  Array indices = Array::from_shape(s.out_shape);
  std::vector<std::size_t> chosen(s.outer * s.inner);  // flat index into the input
  const float* src = a.value().data();
  for (std::size_t o = 0; o < s.outer; ++o) {
    for (std::size_t i = 0; i < s.inner; ++i) {
      std::size_t best = o * s.n * s.inner + i, best_j = 0;
      for (std::size_t j = 1; j < s.n; ++j) {
        std::size_t at = (o * s.n + j) * s.inner + i;
        bool better = largest ? src[at] > src[best] : src[at] < src[best];
        // A NaN wins, as in PyTorch, so it is not silently dropped.
        if (better || (std::isnan(src[at]) && !std::isnan(src[best]))) best = at, best_j = j;
      }
      y.data()[o * s.inner + i] = src[best];
      indices.data()[o * s.inner + i] = static_cast<float>(best_j);
      chosen[o * s.inner + i] = best;
    }
  }
  // Reads neither a nor the values, only the positions chosen (PyTorch saves the indices).
  Tensor values = record(
      op, std::move(y), {a},
      [chosen = std::move(chosen)](BackwardContext& ctx) {
        Array g = xt::zeros<float>(ctx.input_shape(0));
        for (std::size_t k = 0; k < chosen.size(); ++k) g.data()[chosen[k]] = ctx.grad().data()[k];
        ctx.add(0, std::move(g));
      },
      kReadsNothing);
  return {values, Tensor(std::move(indices))};
}

}  // namespace

Tensor sum(const Tensor& a) { return reduce_all("sum", a, 1.0f); }

// A mean over no elements is 0 · (1/0) = NaN, as PyTorch's (the losses' means over nothing agree).
Tensor mean(const Tensor& a) { return reduce_all("mean", a, 1.0f / static_cast<float>(a.numel())); }

Tensor sum(const Tensor& a, std::int64_t axis, bool keepdims) { return reduce_axis("sum", a, axis, keepdims, false); }

Tensor mean(const Tensor& a, std::int64_t axis, bool keepdims) { return reduce_axis("mean", a, axis, keepdims, true); }

Tensor max(const Tensor& a, std::int64_t axis, bool keepdims) { return max_with_indices(a, axis, keepdims).values; }
Tensor min(const Tensor& a, std::int64_t axis, bool keepdims) { return min_with_indices(a, axis, keepdims).values; }

ValuesAndIndices max_with_indices(const Tensor& a, std::int64_t dim, bool keepdim) {
  return extreme("max", a, dim, keepdim, true);
}
ValuesAndIndices min_with_indices(const Tensor& a, std::int64_t dim, bool keepdim) {
  return extreme("min", a, dim, keepdim, false);
}

Tensor argmax(const Tensor& a, std::int64_t dim, bool keepdim) {
  NoGrad no_grad;  // indices have no gradient
  return extreme("argmax", a, dim, keepdim, true).indices;
}
Tensor argmin(const Tensor& a, std::int64_t dim, bool keepdim) {
  NoGrad no_grad;
  return extreme("argmin", a, dim, keepdim, false).indices;
}

}  // namespace xtgrad
