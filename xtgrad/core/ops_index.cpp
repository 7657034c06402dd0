// Indexing ops: index_select, gather, embedding. Each is y[k] = a[offset[k]] for a list of flat
// offsets into a, so one op records them all; its backward scatter-adds g into a's shape, and a
// repeated index accumulates every gradient that reaches it.
#include <algorithm>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/axis.hpp"
#include "xtgrad/core/detail/index.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

// Flat offsets [begin, end) of a whose gradient stays zero (an embedding's padding row).
struct Frozen {
  std::size_t begin = 0, end = 0;
};

// The backward needs only a's shape and the offsets, but PyTorch 1.13 saves the index, and a too
// for gather and embedding (not index_select): the index is recorded as input 1 (it has no
// gradient) and `read_a` says whether a counts as read, so that changing either in place before
// backward() is refused exactly where PyTorch refuses it.
Tensor take(const char* op, const Tensor& a, const Tensor& index, std::vector<std::size_t> offsets,
            const Shape& out_shape, bool read_a, Frozen frozen = {}) {
  Array y = Array::from_shape(out_shape);
  for (std::size_t k = 0; k < offsets.size(); ++k) y.data()[k] = a.value().data()[offsets[k]];
  return record(
      op, std::move(y), {a, index},
      [offsets = std::move(offsets), frozen](BackwardContext& ctx) {
        Array grad = xt::zeros<float>(ctx.input_shape(0));
        for (std::size_t k = 0; k < offsets.size(); ++k) grad.data()[offsets[k]] += ctx.grad().data()[k];
        std::fill(grad.data() + frozen.begin, grad.data() + frozen.end, 0.0f);
        ctx.add(0, std::move(grad));
      },
      BackwardReads{read_a ? 0b11u : 0b10u, false});
}

void check_index(const char* op, const Tensor& index) {
  XTGRAD_CHECK(!index.requires_grad(), op, "an index tensor has no gradient; detach() it");
}

}  // namespace

Tensor index_select(const Tensor& a, std::int64_t dim, const Tensor& index) {
  const char* op = "index_select";
  check_index(op, index);
  XTGRAD_CHECK(index.dim() <= 1, op, "expected a 1-D index, got shape ", shape_str(index.shape()));
  XTGRAD_CHECK(a.dim() > 0, op, "cannot select from a 0-d tensor");
  detail::AxisSplit s = detail::split_at(op, a.value(), dim, true);
  std::vector<std::size_t> rows = detail::to_indices(op, "index", index.value(), s.n);
  Shape out_shape = a.shape();
  out_shape[s.axis] = rows.size();
  // out[o, k, i] = a[o, rows[k], i]
  std::vector<std::size_t> offsets;
  offsets.reserve(s.outer * rows.size() * s.inner);
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t row : rows)
      for (std::size_t i = 0; i < s.inner; ++i) offsets.push_back((o * s.n + row) * s.inner + i);
  return take(op, a, index, std::move(offsets), out_shape, false);
}

Tensor gather(const Tensor& a, std::int64_t dim, const Tensor& index) {
  const char* op = "gather";
  check_index(op, index);
  std::size_t axis = detail::normalize_dim(op, dim, a.value());
  Shape shape = a.shape(), ishape = index.shape();
  bool fits = ishape.size() == shape.size();
  for (std::size_t d = 0; fits && d < shape.size(); ++d) fits = d == axis || ishape[d] <= shape[d];
  XTGRAD_CHECK(fits, op, "index of shape ", shape_str(ishape), " does not fit input of shape ", shape_str(shape),
               " (same rank, and no larger except along dimension ", axis, ")");
  std::vector<std::size_t> strides(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  // Walk the index's positions like an odometer; along `axis` the index value replaces the coordinate.
  std::vector<std::size_t> coord(shape.size(), 0), offsets(index.numel());
  for (std::size_t k = 0; k < offsets.size(); ++k) {
    std::size_t at = detail::to_index(op, "index", index.value().data()[k], shape[axis]) * strides[axis];
    for (std::size_t d = 0; d < shape.size(); ++d)
      if (d != axis) at += coord[d] * strides[d];
    offsets[k] = at;
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++coord[d] < ishape[d]) break;
      coord[d] = 0;
    }
  }
  return take(op, a, index, std::move(offsets), ishape, true);
}

Tensor embedding(const Tensor& indices, const Tensor& weight) { return embedding(indices, weight, std::nullopt); }

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::size_t> padding_idx) {
  const char* op = "embedding";
  check_index(op, indices);
  XTGRAD_CHECK(weight.dim() == 2, op, "expected weight [num_embeddings, embedding_dim], got shape ",
               shape_str(weight.shape()));
  std::size_t rows = weight.shape()[0], width = weight.shape()[1];
  XTGRAD_CHECK(!padding_idx || *padding_idx < rows, op, "padding_idx ", padding_idx.value_or(0),
               " is out of range for ", rows, " embeddings");
  std::vector<std::size_t> picked = detail::to_indices(op, "index", indices.value(), rows);
  std::vector<std::size_t> offsets;
  offsets.reserve(picked.size() * width);
  for (std::size_t row : picked)
    for (std::size_t j = 0; j < width; ++j) offsets.push_back(row * width + j);
  Shape out_shape = indices.shape();
  out_shape.push_back(width);
  // The padding row's lookups give its values, but it receives no gradient (as PyTorch).
  Frozen frozen;
  if (padding_idx) frozen = {*padding_idx * width, (*padding_idx + 1) * width};
  return take(op, weight, indices, std::move(offsets), out_shape, true, frozen);
}

}  // namespace xtgrad
