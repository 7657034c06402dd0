// Elementwise selection with NumPy broadcasting: where, maximum, minimum, clamp with tensor
// bounds. Each input's gradient is g masked (or halved at ties) in the broadcast shape; the
// tape sums it back to the input's shape.
#include <algorithm>
#include <cmath>

#include <xtensor/xbroadcast.hpp>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

// Arrays broadcast to their joint shape, so kernels index all of them alike.
std::vector<Array> broadcast_arrays(const char* op, const std::vector<Array>& arrays) {
  Shape joint;
  for (const Array& a : arrays) joint = detail::broadcast_shapes(op, joint, detail::shape_of(a));
  std::vector<Array> out;
  for (const Array& a : arrays) out.push_back(detail::shape_of(a) == joint ? a : Array(xt::broadcast(a, joint)));
  return out;
}

// maximum (largest) or minimum. As PyTorch's derivative, an input gets no gradient only where it
// strictly loses the comparison, and g/2 at a tie: where either is NaN (no comparison holds) both
// get g.
Tensor extreme_of(const char* op, const Tensor& a, const Tensor& b, bool largest) {
  std::vector<Array> v = broadcast_arrays(op, {a.value(), b.value()});
  Array y = Array::from_shape(v[0].shape());
  for (std::size_t k = 0; k < y.size(); ++k) {
    float x = v[0].data()[k], z = v[1].data()[k];
    y.data()[k] = (largest ? x > z : x < z) || std::isnan(x) ? x : z;
  }
  return record(
      op, std::move(y), {a, b},
      [op, largest](BackwardContext& ctx) {
        std::vector<Array> v = broadcast_arrays(op, {ctx.input(0), ctx.input(1)});
        const Array& g = ctx.grad();
        Array ga = Array::from_shape(g.shape()), gb = Array::from_shape(g.shape());
        for (std::size_t k = 0; k < g.size(); ++k) {
          float x = v[0].data()[k], z = v[1].data()[k];
          bool a_loses = largest ? x < z : x > z, b_loses = largest ? x > z : x < z;
          float share = x == z ? 0.5f * g.data()[k] : g.data()[k];
          ga.data()[k] = a_loses ? 0.0f : share;
          gb.data()[k] = b_loses ? 0.0f : share;
        }
        ctx.add(0, std::move(ga));
        ctx.add(1, std::move(gb));
      },
      kReadsInputs);
}

}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  XTGRAD_CHECK(!cond.requires_grad(), "where", "the condition has no gradient; detach() it");
  std::vector<Array> v = broadcast_arrays("where", {cond.value(), a.value(), b.value()});
  Array y = Array::from_shape(v[0].shape());
  for (std::size_t k = 0; k < y.size(); ++k) y.data()[k] = v[0].data()[k] != 0.0f ? v[1].data()[k] : v[2].data()[k];
  // The condition is an input without gradient, so the tape checks its version: the backward
  // reads it (as PyTorch saves it), and neither a nor b.
  return record(
      "where", std::move(y), {a, b, cond},
      [](BackwardContext& ctx) {
        const Array& g = ctx.grad();
        const Array& cond = ctx.input(2);
        Array c = detail::shape_of(cond) == detail::shape_of(g) ? cond : Array(xt::broadcast(cond, g.shape()));
        Array ga = Array::from_shape(g.shape()), gb = Array::from_shape(g.shape());
        for (std::size_t k = 0; k < g.size(); ++k) {
          bool take_a = c.data()[k] != 0.0f;
          ga.data()[k] = take_a ? g.data()[k] : 0.0f;
          gb.data()[k] = take_a ? 0.0f : g.data()[k];
        }
        ctx.add(0, std::move(ga));
        ctx.add(1, std::move(gb));
      },
      BackwardReads{0b100, false});
}

Tensor maximum(const Tensor& a, const Tensor& b) { return extreme_of("maximum", a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extreme_of("minimum", a, b, false); }

Tensor clamp(const Tensor& a, const Tensor& low, const Tensor& high) {
  std::vector<Array> v = broadcast_arrays("clamp", {a.value(), low.value(), high.value()});
  Array y = Array::from_shape(v[0].shape());
  // min(max(a, low), high): when low > high every element becomes high, and a NaN in a or in a
  // bound gives NaN, as in PyTorch (fmin/fmax would have dropped it).
  for (std::size_t k = 0; k < y.size(); ++k) {
    float x = v[0].data()[k], lo = v[1].data()[k], hi = v[2].data()[k];
    y.data()[k] = std::isnan(lo) || std::isnan(hi) ? lo + hi : std::min(std::max(x, lo), hi);
  }
  return record(
      "clamp", std::move(y), {a, low, high},
      [](BackwardContext& ctx) {
        std::vector<Array> v = broadcast_arrays("clamp", {ctx.input(0), ctx.input(1), ctx.input(2)});
        const Array& g = ctx.grad();
        Array grads[3] = {Array::from_shape(g.shape()), Array::from_shape(g.shape()), Array::from_shape(g.shape())};
        for (std::size_t k = 0; k < g.size(); ++k) {
          float x = v[0].data()[k], lo = v[1].data()[k], hi = v[2].data()[k], gk = g.data()[k];
          grads[0].data()[k] = x >= lo && x <= hi ? gk : 0.0f;  // inside the bounds
          grads[1].data()[k] = x < lo && lo < hi ? gk : 0.0f;   // clamped up to low
          grads[2].data()[k] = x > hi || hi < lo ? gk : 0.0f;   // clamped down to high
        }
        for (std::size_t i = 0; i < 3; ++i) ctx.add(i, std::move(grads[i]));
      },
      kReadsInputs);
}

}  // namespace xtgrad
