// Reductions over several dims at once: sum, mean, var, std. The reduced dims are kept as
// extents of 1 while computing, so a reduction is sum_to (the un-broadcast) and its adjoint
// is a broadcast back to the input's shape.
#include <algorithm>
#include <cmath>

#include <xtensor/xbroadcast.hpp>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/axis.hpp"
#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

struct DimsSplit {
  Shape kept;        // the input's shape with each reduced dim as 1
  Shape out;         // kept, or without the reduced dims
  double count = 1;  // elements per output element
};

DimsSplit split_dims(const char* op, const Array& a, const std::vector<std::int64_t>& dims, bool keepdim) {
  std::vector<bool> reduced(a.dimension(), dims.empty());  // no dims: all of them, as PyTorch's sum(x, [])
  if (a.dimension() == 0) {                                // dim 0 or −1 of a scalar reduces its one element
    for (std::int64_t d : dims) detail::check_scalar_dim(op, d);
    return DimsSplit{};
  }
  for (std::int64_t d : dims) {
    std::size_t axis = detail::normalize_dim(op, d, a);
    XTGRAD_CHECK(!reduced[axis], op, "dimension ", d, " appears twice in the list");
    reduced[axis] = true;
  }
  DimsSplit s;
  for (std::size_t d = 0; d < a.dimension(); ++d) {
    std::size_t extent = a.shape()[d];
    s.kept.push_back(reduced[d] ? 1 : extent);
    if (reduced[d]) s.count *= static_cast<double>(extent);
    if (!reduced[d] || keepdim) s.out.push_back(s.kept.back());
  }
  return s;
}

Array reduce_to(const Array& a, const DimsSplit& s, double scale, const char* op) {
  Array y = detail::sum_to(a, s.kept, op);
  if (scale != 1.0) y *= static_cast<float>(scale);
  y.reshape(s.out);
  return y;
}

// g (in the output's shape) spread over the input's shape.
Array spread(const Array& g, const DimsSplit& s, const Array::inner_shape_type& shape) {
  Array kept = g;
  kept.reshape(s.kept);
  return Array(xt::broadcast(kept, shape));
}

Tensor sum_or_mean(const char* op, const Tensor& a, const std::vector<std::int64_t>& dims, bool keepdim, bool average) {
  DimsSplit s = split_dims(op, a.value(), dims, keepdim);
  double scale = average ? 1.0 / s.count : 1.0;
  // PyTorch 1.13 saves the input of a mean over dims (not of a sum): changing it in place before
  // backward() is refused there, so it counts as read here.
  return record(
      op, reduce_to(a.value(), s, scale, op), {a},
      [s, scale](BackwardContext& ctx) {
        Array g = spread(ctx.grad(), s, ctx.input_shape(0));
        if (scale != 1.0) g *= static_cast<float>(scale);
        ctx.add(0, std::move(g));
      },
      average ? kReadsInputs : kReadsNothing);
}

// x − mean(x) over the reduced dims, in the input's shape.
Array centred(const Array& x, const DimsSplit& s, const char* op) {
  Array m = detail::sum_to(x, s.kept, op);
  m *= static_cast<float>(1.0 / s.count);
  return Array(x - xt::broadcast(m, x.shape()));
}

}  // namespace

Tensor sum(const Tensor& a, const std::vector<std::int64_t>& dims, bool keepdim) {
  return sum_or_mean("sum", a, dims, keepdim, false);
}

Tensor mean(const Tensor& a, const std::vector<std::int64_t>& dims, bool keepdim) {
  return sum_or_mean("mean", a, dims, keepdim, true);
}

// One listed dim takes the single-axis op (the same values, and its faster path).
Tensor sum(const Tensor& a, std::initializer_list<std::int64_t> dims, bool keepdim) {
  return dims.size() == 1 ? sum(a, *dims.begin(), keepdim) : sum(a, std::vector<std::int64_t>(dims), keepdim);
}

Tensor mean(const Tensor& a, std::initializer_list<std::int64_t> dims, bool keepdim) {
  return dims.size() == 1 ? mean(a, *dims.begin(), keepdim) : mean(a, std::vector<std::int64_t>(dims), keepdim);
}

Tensor var(const Tensor& a, const std::vector<std::int64_t>& dims, double correction, bool keepdim) {
  DimsSplit s = split_dims("var", a.value(), dims, keepdim);
  // N − correction <= 0 divides by 0 (inf or NaN), as PyTorch does after its warning.
  double divisor = std::max(0.0, s.count - correction);
  Array d = centred(a.value(), s, "var");
  Array squares = d * d;
  // d var/dx = 2(x − mean)/(N − correction): the mean's own dependence on x sums to zero.
  return record(
      "var", reduce_to(squares, s, 1.0 / divisor, "var"), {a},
      [s, divisor](BackwardContext& ctx) {
        Array g = spread(ctx.grad(), s, ctx.input_shape(0));
        g *= centred(ctx.input(0), s, "var") * static_cast<float>(2.0 / divisor);
        ctx.add(0, std::move(g));
      },
      kReadsInputs);
}

Tensor std(const Tensor& a, const std::vector<std::int64_t>& dims, double correction, bool keepdim) {
  DimsSplit s = split_dims("std", a.value(), dims, keepdim);
  double divisor = std::max(0.0, s.count - correction);
  Array d = centred(a.value(), s, "std");
  Array squares = d * d;
  Array y = reduce_to(squares, s, 1.0 / divisor, "std");
  for (float& v : y) v = std::sqrt(v);
  // d std/dx = (x − mean)/((N − correction)·std), from the saved output; 0 where std is 0 (every
  // x equal), as PyTorch's std_backward masks it, rather than 0/0.
  return record(
      "std", std::move(y), {a},
      [s, divisor](BackwardContext& ctx) {  // reads x and std, as PyTorch
        Array g = spread(ctx.grad(), s, ctx.input_shape(0));
        Array deviation = spread(ctx.output(), s, ctx.input_shape(0));
        for (std::size_t k = 0; k < g.size(); ++k)
          g.data()[k] = deviation.data()[k] == 0.0f ? 0.0f : g.data()[k] / deviation.data()[k];
        g *= centred(ctx.input(0), s, "std") * static_cast<float>(1.0 / divisor);
        ctx.add(0, std::move(g));
      },
      BackwardReads{});
}

}  // namespace xtgrad
