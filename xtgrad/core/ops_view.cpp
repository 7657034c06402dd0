// Shape changes without arithmetic: unsqueeze, squeeze, flatten (the same values under a new
// shape), permute (a reordering of the axes) and expand (a broadcast). Each backward undoes it.
#include <xtensor/xbroadcast.hpp>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/axis.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

// The same row-major values under another shape; backward reshapes g back.
Tensor relabel(const char* op, const Tensor& a, const Shape& shape) {
  Array y = a.value();
  y.reshape(shape);
  return record(
      op, std::move(y), {a},
      [](BackwardContext& ctx) {
        Array g = ctx.grad();
        g.reshape(ctx.input_shape(0));
        ctx.add(0, std::move(g));
      },
      kReadsNothing);
}

// y[idx] = a[idx permuted]: output axis d reads input axis perm[d]. Walks the output like an
// odometer, stepping the input offset by the matching input stride.
Array permute_values(const Array& a, const std::vector<std::size_t>& perm) {
  std::size_t rank = perm.size();
  Shape in_shape(a.shape().begin(), a.shape().end()), out_shape(rank);
  std::vector<std::size_t> in_strides(rank, 1), steps(rank);
  for (std::size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * in_shape[d];
  for (std::size_t d = 0; d < rank; ++d) {
    out_shape[d] = in_shape[perm[d]];
    steps[d] = in_strides[perm[d]];
  }
  Array y = Array::from_shape(out_shape);
  std::vector<std::size_t> index(rank, 0);
  std::size_t from = 0;
  for (std::size_t k = 0; k < y.size(); ++k) {
    y.data()[k] = a.data()[from];
    for (std::size_t d = rank; d-- > 0;) {
      from += steps[d];
      if (++index[d] < out_shape[d]) break;
      from -= steps[d] * out_shape[d];
      index[d] = 0;
    }
  }
  return y;
}

}  // namespace

Tensor unsqueeze(const Tensor& a, std::int64_t dim) {
  auto rank = static_cast<std::int64_t>(a.dim());
  XTGRAD_CHECK(dim >= -(rank + 1) && dim <= rank, "unsqueeze", "dimension ", dim, " is out of range for shape ",
               shape_str(a.shape()), " (expected [", -(rank + 1), ", ", rank, "])");
  Shape shape = a.shape();
  shape.insert(shape.begin() + (dim < 0 ? dim + rank + 1 : dim), 1);
  return relabel("unsqueeze", a, shape);
}

Tensor squeeze(const Tensor& a) {
  Shape shape;
  for (std::size_t extent : a.shape())
    if (extent != 1) shape.push_back(extent);
  return relabel("squeeze", a, shape);
}

Tensor squeeze(const Tensor& a, std::int64_t dim) {
  Shape shape = a.shape();
  if (shape.empty()) return relabel("squeeze", a, shape);  // PyTorch accepts dim 0 or −1 on a 0-d tensor
  std::size_t axis = detail::normalize_dim("squeeze", dim, a.value());
  if (shape[axis] == 1) shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(axis));
  return relabel("squeeze", a, shape);
}

Tensor flatten(const Tensor& a, std::int64_t start_dim, std::int64_t end_dim) {
  Shape shape = a.shape();
  if (shape.empty()) return relabel("flatten", a, {1});  // as PyTorch: a 0-d tensor becomes [1]
  std::size_t start = detail::normalize_dim("flatten", start_dim, a.value());
  std::size_t end = detail::normalize_dim("flatten", end_dim, a.value());
  XTGRAD_CHECK(start <= end, "flatten", "start_dim ", start_dim, " comes after end_dim ", end_dim, " for shape ",
               shape_str(shape));
  Shape out(shape.begin(), shape.begin() + static_cast<std::ptrdiff_t>(start));
  std::size_t merged = 1;
  for (std::size_t d = start; d <= end; ++d) merged *= shape[d];
  out.push_back(merged);
  out.insert(out.end(), shape.begin() + static_cast<std::ptrdiff_t>(end + 1), shape.end());
  return relabel("flatten", a, out);
}

Tensor permute(const Tensor& a, const std::vector<std::int64_t>& dims) {
  XTGRAD_CHECK(dims.size() == a.dim(), "permute", "expected ", a.dim(), " dimensions for shape ", shape_str(a.shape()),
               ", got ", dims.size());
  std::vector<std::size_t> perm(dims.size()), inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (std::size_t d = 0; d < dims.size(); ++d) {
    perm[d] = detail::normalize_dim("permute", dims[d], a.value());
    XTGRAD_CHECK(!seen[perm[d]], "permute", "dimension ", dims[d], " appears twice");
    seen[perm[d]] = true;
    inverse[perm[d]] = d;
  }
  return record(
      "permute", permute_values(a.value(), perm), {a},
      [inverse](BackwardContext& ctx) { ctx.add(0, permute_values(ctx.grad(), inverse)); }, kReadsNothing);
}

Tensor expand(const Tensor& a, const std::vector<std::int64_t>& shape) {
  Shape in = a.shape();
  XTGRAD_CHECK(shape.size() >= in.size(), "expand", "cannot expand shape ", shape_str(in), " to fewer dimensions (",
               shape.size(), ")");
  std::size_t lead = shape.size() - in.size();
  Shape out(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    std::size_t have = d < lead ? 1 : in[d - lead];
    XTGRAD_CHECK(shape[d] >= 0 || (shape[d] == -1 && d >= lead), "expand", "extent ", shape[d], " at dimension ", d,
                 " is not allowed (−1 keeps an existing extent)");
    out[d] = shape[d] == -1 ? have : static_cast<std::size_t>(shape[d]);
    XTGRAD_CHECK(have == out[d] || have == 1, "expand", "cannot expand shape ", shape_str(in), " to ", shape_str(out),
                 " (only extents of 1 can grow)");
  }
  // Backward: the tape sums the gradient back over the expanded dims (BackwardContext::add).
  return record(
      "expand", Array(xt::broadcast(a.value(), out)), {a}, [](BackwardContext& ctx) { ctx.add(0, ctx.grad()); },
      kReadsNothing);
}

}  // namespace xtgrad
