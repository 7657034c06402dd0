// Reductions over all elements or one axis. A row-major array seen as [outer, n, inner]
// around the reduced axis makes each a plain loop.
#include <cmath>
#include <limits>

#include "autograd.hpp"
#include "detail/broadcast.hpp"
#include "detail/check.hpp"
#include "ops.hpp"

namespace xtgrad {
namespace {

struct AxisSplit {
  std::size_t axis, outer = 1, n = 1, inner = 1;
  Shape out_shape;   // with or without the reduced axis, as keepdims asks
};

AxisSplit split_at(const char* op, const Array& a, std::int64_t axis, bool keepdims) {
  auto rank = static_cast<std::int64_t>(a.dimension());
  XTGRAD_CHECK(axis >= -rank && axis < rank, op, "axis ", axis, " is out of range for shape ", detail::dims(a));
  AxisSplit s;
  s.axis = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
  for (std::size_t d = 0; d < a.dimension(); ++d) {
    std::size_t extent = a.shape()[d];
    if (d < s.axis) s.outer *= extent;
    if (d == s.axis) s.n = extent;
    if (d > s.axis) s.inner *= extent;
    if (d != s.axis) s.out_shape.push_back(extent);
    else if (keepdims) s.out_shape.push_back(1);
  }
  return s;
}

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
Array spread_axis(const Array& g, const Array& like, const AxisSplit& s, float scale) {
  Array x = Array::from_shape(like.shape());
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
  return record(op, std::move(y), {a}, [scale](BackwardContext& ctx) {
    Array g = Array::from_shape(ctx.input(0).shape());
    g.fill(ctx.grad()() * scale);
    ctx.add(0, std::move(g));
  });
}

Tensor reduce_axis(const char* op, const Tensor& a, std::int64_t axis, bool keepdims, bool average) {
  AxisSplit s = split_at(op, a.value(), axis, keepdims);
  float scale = average ? 1.0f / static_cast<float>(s.n) : 1.0f;
  return record(op, sum_axis(a.value(), s, scale), {a}, [s, scale](BackwardContext& ctx) {
    ctx.add(0, spread_axis(ctx.grad(), ctx.input(0), s, scale));
  });
}

}  // namespace

Tensor sum(const Tensor& a) { return reduce_all("sum", a, 1.0f); }

Tensor mean(const Tensor& a) {
  XTGRAD_CHECK(a.numel() > 0, "mean", "expected a non-empty tensor, got shape ", shape_str(a.shape()));
  return reduce_all("mean", a, 1.0f / static_cast<float>(a.numel()));
}

Tensor sum(const Tensor& a, std::int64_t axis, bool keepdims) { return reduce_axis("sum", a, axis, keepdims, false); }

Tensor mean(const Tensor& a, std::int64_t axis, bool keepdims) {
  XTGRAD_CHECK(a.numel() > 0, "mean", "expected a non-empty tensor, got shape ", shape_str(a.shape()));
  return reduce_axis("mean", a, axis, keepdims, true);
}

Tensor max(const Tensor& a, std::int64_t axis, bool keepdims) {
  AxisSplit s = split_at("max", a.value(), axis, keepdims);
  XTGRAD_CHECK(s.n > 0, "max", "cannot reduce over an empty axis of shape ", detail::dims(a.value()));
  Array y = Array::from_shape(s.out_shape);
  std::vector<std::size_t> argmax(s.outer * s.inner);  // flat index into the input
  const float* src = a.value().data();
  for (std::size_t o = 0; o < s.outer; ++o) {
    for (std::size_t i = 0; i < s.inner; ++i) {
      std::size_t best = o * s.n * s.inner + i;
      for (std::size_t j = 1; j < s.n; ++j) {
        std::size_t at = (o * s.n + j) * s.inner + i;
        // A NaN wins, as in PyTorch, so it is not silently dropped.
        if (src[at] > src[best] || (std::isnan(src[at]) && !std::isnan(src[best]))) best = at;
      }
      y.data()[o * s.inner + i] = src[best];
      argmax[o * s.inner + i] = best;
    }
  }
  return record("max", std::move(y), {a}, [argmax = std::move(argmax)](BackwardContext& ctx) {
    Array g = xt::zeros<float>(ctx.input(0).shape());
    for (std::size_t k = 0; k < argmax.size(); ++k) g.data()[argmax[k]] = ctx.grad().data()[k];
    ctx.add(0, std::move(g));
  });
}

}  // namespace xtgrad
