// Shape ops. Row-major arrays seen as [outer, n, inner] around one axis turn slicing and
// joining into block copies; each backward is the reverse copy.
#include <algorithm>
#include <numeric>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/axis.hpp"
#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

std::size_t normalize_dim(const char* op, std::int64_t dim, std::size_t rank, const Array& a) {
  auto r = static_cast<std::int64_t>(rank);
  XTGRAD_CHECK(dim >= -r && dim < r, op, "dimension ", dim, " is out of range for shape ", detail::dims(a));
  return static_cast<std::size_t>(dim < 0 ? dim + r : dim);
}

std::size_t product(const Shape& s, std::size_t from, std::size_t to) {
  return std::accumulate(s.begin() + from, s.begin() + to, std::size_t{1}, std::multiplies<>());
}

// Copies `count` rows of an axis, for every outer index: dst[o, dst_at + j, i] = src[o, src_at + j, i].
void copy_rows(const float* src, std::size_t src_n, std::size_t src_at, float* dst, std::size_t dst_n,
               std::size_t dst_at, std::size_t count, std::size_t outer, std::size_t inner) {
  for (std::size_t o = 0; o < outer; ++o) {
    const float* from = src + (o * src_n + src_at) * inner;
    std::copy(from, from + count * inner, dst + (o * dst_n + dst_at) * inner);
  }
}

// Joins arrays along `axis` of out_shape; each input holds sizes[t] rows of that axis.
Tensor join(const char* op, const std::vector<Tensor>& tensors, const Shape& out_shape, std::size_t axis,
            const std::vector<std::size_t>& sizes) {
  std::size_t outer = product(out_shape, 0, axis), inner = product(out_shape, axis + 1, out_shape.size());
  std::size_t total = out_shape[axis];
  Array y = Array::from_shape(out_shape);
  for (std::size_t t = 0, at = 0; t < tensors.size(); at += sizes[t], ++t)
    copy_rows(tensors[t].value().data(), sizes[t], 0, y.data(), total, at, sizes[t], outer, inner);
  return record(
      op, std::move(y), tensors,
      [sizes, outer, inner, total](BackwardContext& ctx) {
        for (std::size_t t = 0, at = 0; t < sizes.size(); at += sizes[t], ++t) {
          if (!ctx.wants(t)) continue;
          Array g = Array::from_shape(ctx.input_shape(t));
          copy_rows(ctx.grad().data(), total, at, g.data(), sizes[t], 0, sizes[t], outer, inner);
          ctx.add(t, std::move(g));
        }
      },
      kReadsNothing);
}

// Swaps axes d0 < d1 by copying contiguous blocks: everything after d1 keeps its layout, so
// each output position of the first d1 + 1 axes takes one block of `inner` floats.
Array swap_axes(const Array& a, std::size_t d0, std::size_t d1) {
  Shape in_shape(a.shape().begin(), a.shape().end());
  Shape out_shape = in_shape;
  std::swap(out_shape[d0], out_shape[d1]);
  Array y = Array::from_shape(out_shape);
  std::size_t inner = product(in_shape, d1 + 1, in_shape.size());
  std::vector<std::size_t> in_strides(d1 + 1);  // in units of blocks
  for (std::size_t d = d1 + 1, stride = 1; d-- > 0;) {
    in_strides[d] = stride;
    stride *= in_shape[d];
  }
  std::swap(in_strides[d0], in_strides[d1]);  // output axis d reads input axis perm(d)
  std::vector<std::size_t> index(d1 + 1, 0);
  std::size_t blocks = product(out_shape, 0, d1 + 1), from = 0;
  const float* src = a.data();
  float* dst = y.data();
  for (std::size_t block = 0; block < blocks; ++block) {
    std::copy(src + from * inner, src + (from + 1) * inner, dst + block * inner);
    for (std::size_t d = d1 + 1; d-- > 0;) {  // advance the output index like an odometer
      from += in_strides[d];
      if (++index[d] < out_shape[d]) break;
      from -= in_strides[d] * out_shape[d];
      index[d] = 0;
    }
  }
  return y;
}

}  // namespace

Tensor transpose(const Tensor& a) {
  XTGRAD_CHECK(a.dim() <= 2, "transpose", "expected at most 2 dimensions, got shape ", shape_str(a.shape()),
               " (give two dimensions for other ranks)");
  if (a.dim() < 2) return transpose(a, 0, 0);  // as torch.t: 0-D and 1-D tensors stay as they are
  return transpose(a, 0, 1);
}

Tensor transpose(const Tensor& a, std::int64_t dim0, std::int64_t dim1) {
  if (a.dim() == 0) {  // a scalar's dims 0 and −1 swap nothing
    detail::check_scalar_dim("transpose", dim0);
    detail::check_scalar_dim("transpose", dim1);
    return reshape(a, {});
  }
  std::size_t d0 = normalize_dim("transpose", dim0, a.dim(), a.value());
  std::size_t d1 = normalize_dim("transpose", dim1, a.dim(), a.value());
  if (d0 > d1) std::swap(d0, d1);
  // A swap is its own inverse, so backward swaps the gradient back the same way.
  return record(
      "transpose", swap_axes(a.value(), d0, d1), {a},
      [d0, d1](BackwardContext& ctx) { ctx.add(0, swap_axes(ctx.grad(), d0, d1)); }, kReadsNothing);
}

Tensor reshape(const Tensor& a, const std::vector<std::int64_t>& shape) {
  Shape out(shape.size());
  std::size_t known = 1;
  std::ptrdiff_t inferred = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    XTGRAD_CHECK(shape[i] >= -1, "reshape", "invalid extent ", shape[i], " in the requested shape");
    if (shape[i] == -1) {
      XTGRAD_CHECK(inferred < 0, "reshape", "only one dimension can be -1");
      inferred = static_cast<std::ptrdiff_t>(i);
    } else {
      out[i] = static_cast<std::size_t>(shape[i]);
      known *= out[i];
    }
  }
  // Beside a 0 extent, −1 could be anything (PyTorch refuses it too).
  XTGRAD_CHECK(inferred < 0 || known != 0, "reshape", "cannot infer the -1 extent beside a 0 extent (shape ",
               shape_str(a.shape()), ")");
  if (inferred >= 0) out[static_cast<std::size_t>(inferred)] = a.numel() / known;
  std::size_t count = product(out, 0, out.size());
  if (count != a.numel() || (inferred >= 0 && a.numel() % known != 0)) {
    std::string requested = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) requested += (i ? ", " : "") + std::to_string(shape[i]);
    throw std::invalid_argument("reshape: cannot view shape " + shape_str(a.shape()) + " (" +
                                std::to_string(a.numel()) + " elements) as " + requested + "]");
  }
  Array y = a.value();
  y.reshape(out);
  return record(
      "reshape", std::move(y), {a},
      [](BackwardContext& ctx) {
        Array g = ctx.grad();
        g.reshape(ctx.input_shape(0));
        ctx.add(0, std::move(g));
      },
      kReadsNothing);
}

Tensor narrow(const Tensor& a, std::int64_t dim, std::size_t start, std::size_t length) {
  std::size_t axis = normalize_dim("narrow", dim, a.dim(), a.value());
  Shape in_shape = a.shape();
  std::size_t n = in_shape[axis];
  XTGRAD_CHECK(start <= n && length <= n - start, "narrow", "range [", start, ", ", start + length,
               ") is out of bounds for dimension ", axis, " of shape ", shape_str(in_shape));
  Shape out_shape = in_shape;
  out_shape[axis] = length;
  std::size_t outer = product(in_shape, 0, axis), inner = product(in_shape, axis + 1, in_shape.size());
  Array y = Array::from_shape(out_shape);
  copy_rows(a.value().data(), n, start, y.data(), length, 0, length, outer, inner);
  return record(
      "narrow", std::move(y), {a},
      [=](BackwardContext& ctx) {
        Array g = xt::zeros<float>(in_shape);
        copy_rows(ctx.grad().data(), length, 0, g.data(), n, start, length, outer, inner);
        ctx.add(0, std::move(g));
      },
      kReadsNothing);
}

Tensor slice(const Tensor& a, std::int64_t dim, std::size_t start, std::size_t end) {
  // Python's a[start:end]: both clamped to the extent, and empty when end <= start.
  std::size_t n = a.shape()[normalize_dim("slice", dim, a.dim(), a.value())];
  start = std::min(start, n);
  end = std::min(std::max(end, start), n);
  return narrow(a, dim, start, end - start);
}

Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  XTGRAD_CHECK(!tensors.empty(), "concat", "expected at least one tensor");
  // As torch.cat, a 1-D tensor of no elements joins anything (acc = cat([acc, x]) from an empty
  // acc): it adds nothing, and the others decide the shape and the dimension's range.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };
  auto reference = std::find_if_not(tensors.begin(), tensors.end(), skipped);
  const std::size_t ref = reference == tensors.end() ? 0 : static_cast<std::size_t>(reference - tensors.begin());
  const Array& first = tensors[ref].value();
  std::size_t axis = normalize_dim("concat", dim, first.dimension(), first);
  Shape out_shape = tensors[ref].shape();
  std::vector<std::size_t> sizes;
  out_shape[axis] = 0;
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    Shape s = tensors[t].shape();
    if (skipped(tensors[t])) {
      sizes.push_back(0);
      continue;
    }
    bool fits = s.size() == out_shape.size();
    for (std::size_t d = 0; fits && d < s.size(); ++d) fits = d == axis || s[d] == out_shape[d];
    XTGRAD_CHECK(fits, "concat", "tensor ", t, " has shape ", shape_str(s), " but tensor ", ref, " has shape ",
                 detail::dims(first), " (only dimension ", axis, " may differ)");
    sizes.push_back(s[axis]);
    out_shape[axis] += s[axis];
  }
  return join("concat", tensors, out_shape, axis, sizes);
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  XTGRAD_CHECK(!tensors.empty(), "stack", "expected at least one tensor");
  Shape shape = tensors[0].shape();
  auto rank = static_cast<std::int64_t>(shape.size());
  XTGRAD_CHECK(dim >= -(rank + 1) && dim <= rank, "stack", "dimension ", dim, " is out of range for stacking shape ",
               shape_str(shape));
  auto axis = static_cast<std::size_t>(dim < 0 ? dim + rank + 1 : dim);
  for (std::size_t t = 1; t < tensors.size(); ++t) {
    XTGRAD_CHECK(tensors[t].shape() == shape, "stack", "tensor ", t, " has shape ", shape_str(tensors[t].shape()),
                 " but tensor 0 has shape ", shape_str(shape), " (all must be equal)");
  }
  Shape out_shape = shape;
  out_shape.insert(out_shape.begin() + static_cast<std::ptrdiff_t>(axis), tensors.size());
  return join("stack", tensors, out_shape, axis, std::vector<std::size_t>(tensors.size(), 1));
}

}  // namespace xtgrad
