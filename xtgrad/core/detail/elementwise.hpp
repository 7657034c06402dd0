// Loops shared by the elementwise ops: contiguous fast paths, xtensor's broadcasting otherwise.
#pragma once

#include <xtensor/xvectorize.hpp>

#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/parallel.hpp"

namespace xtgrad::detail {

/// y[i] = f(a[i]) over a contiguous array (long arrays split over the set threads).
template <class F>
Array map(const Array& a, F f) {
  Array y = Array::from_shape(a.shape());
  const float* src = a.data();
  float* dst = y.data();
  parallel_for(a.size(), kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) dst[i] = f(src[i]);
  });
  return y;
}

/// y[i] = f(a[i], b[i]) for arrays of one shape.
template <class F>
Array map2(const Array& a, const Array& b, F f) {
  Array y = Array::from_shape(a.shape());
  const float* pa = a.data();
  const float* pb = b.data();
  float* dst = y.data();
  parallel_for(a.size(), kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) dst[i] = f(pa[i], pb[i]);
  });
  return y;
}

/// f(a, b) with NumPy broadcasting; the common "same shape" case is a plain loop.
template <class F>
Array broadcast_map2(const char* op, const Array& a, const Array& b, F f) {
  if (same_shape(a, b)) return map2(a, b, f);
  broadcast_shapes(op, shape_of(a), shape_of(b));  // throws with the op's name
  return Array(xt::vectorize(f)(a, b));
}

}  // namespace xtgrad::detail
