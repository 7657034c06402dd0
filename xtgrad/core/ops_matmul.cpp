// Matrix products through the GEMM interface: transposes are flags, and gradients are written
// (beta = 0, when new) or accumulated (beta = 1) in place, so no transposed copy, broadcast copy
// or gradient temporary is made.
#include <algorithm>
#include <string>
#include <vector>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/parallel.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

// A product seen as `count` matrix products out[i] [m, n] = A[a_index(i)] [m, k] @ B[b_index(i)] [k, n]
// over the broadcast batch dimensions, as torch.matmul: a 1-D a is one row [1, k] and a 1-D b
// one column [k, 1] (the data is the same), and those dimensions are dropped from the result.
// Shapes as xtensor keeps them (up to 4 dimensions without a heap allocation), since ops run this
// on every call.
using Dims = Array::shape_type;

struct Batches {
  std::size_t m = 0, k = 0, n = 0;
  std::size_t count = 0;                   // output matrices: the product of the batch dims
  std::size_t a_blocks = 0, b_blocks = 0;  // matrices stored in each operand
  // Which stored matrix each product reads, for an operand broadcast along some batch dimension;
  // empty when the operand has one matrix (always 0) or one per product (index i).
  std::vector<std::size_t> a_index, b_index;
  Dims out_shape;

  std::size_t a_at(std::size_t i) const { return a_blocks == 1 ? 0 : a_index.empty() ? i : a_index[i]; }
  std::size_t b_at(std::size_t i) const { return b_blocks == 1 ? 0 : b_index.empty() ? i : b_index[i]; }
};

std::size_t product(const Dims& dims, std::size_t from, std::size_t to) {
  std::size_t p = 1;
  for (std::size_t d = from; d < to; ++d) p *= dims[d];
  return p;
}

std::string str(const Dims& dims) { return shape_str(Shape(dims.begin(), dims.end())); }

// For each output batch position (row-major over out_batch), the stored matrix of an operand
// whose batch dims `batch` broadcast to out_batch: an odometer over the output dims, where a
// dimension of extent 1 has stride 0.
std::vector<std::size_t> broadcast_index(const Dims& batch, const Dims& out_batch, std::size_t count) {
  std::size_t nd = out_batch.size(), lead = nd - batch.size();
  std::vector<std::size_t> stride(nd, 0);
  for (std::size_t d = nd, s = 1; d-- > lead;) {
    std::size_t extent = batch[d - lead];
    stride[d] = extent == 1 ? 0 : s;
    s *= extent;
  }
  std::vector<std::size_t> index(count), pos(nd, 0);
  std::size_t at = 0;
  for (std::size_t i = 0; i < count; ++i) {
    index[i] = at;
    for (std::size_t d = nd; d-- > 0;) {
      at += stride[d];
      if (++pos[d] < out_batch[d]) break;
      at -= stride[d] * pos[d];
      pos[d] = 0;
    }
  }
  return index;
}

Batches plan(const Array& av, const Array& bv) {
  const Dims& as = av.shape();
  const Dims& bs = bv.shape();
  XTGRAD_CHECK(!as.empty() && !bs.empty(), "matmul", "both arguments need at least 1 dimension, got shapes ", str(as),
               " and ", str(bs));
  Batches p;
  bool a_vector = as.size() == 1, b_vector = bs.size() == 1;
  p.m = a_vector ? 1 : as[as.size() - 2];
  p.k = as.back();
  std::size_t k_b = b_vector ? bs[0] : bs[bs.size() - 2];
  p.n = b_vector ? 1 : bs.back();
  XTGRAD_CHECK(p.k == k_b, "matmul", "shapes ", str(as), " and ", str(bs), " do not align");
  Dims a_batch(as.begin(), as.end() - (a_vector ? 1 : 2)), b_batch(bs.begin(), bs.end() - (b_vector ? 1 : 2));
  // Batch dimensions broadcast as NumPy's, aligned from the right.
  std::size_t nd = std::max(a_batch.size(), b_batch.size());
  Dims out_batch(nd);
  for (std::size_t d = 0; d < nd; ++d) {
    std::size_t da = d + a_batch.size() >= nd ? a_batch[d + a_batch.size() - nd] : 1;
    std::size_t db = d + b_batch.size() >= nd ? b_batch[d + b_batch.size() - nd] : 1;
    XTGRAD_CHECK(da == db || da == 1 || db == 1, "matmul", "batch dimensions ", str(a_batch), " and ", str(b_batch),
                 " of shapes ", str(as), " and ", str(bs), " cannot be broadcast together");
    out_batch[d] = da == 1 ? db : da;
  }
  p.count = product(out_batch, 0, nd);
  p.a_blocks = product(a_batch, 0, a_batch.size());
  p.b_blocks = product(b_batch, 0, b_batch.size());
  if (p.a_blocks > 1 && p.a_blocks < p.count) p.a_index = broadcast_index(a_batch, out_batch, p.count);
  if (p.b_blocks > 1 && p.b_blocks < p.count) p.b_index = broadcast_index(b_batch, out_batch, p.count);
  p.out_shape = out_batch;
  if (!a_vector) p.out_shape.push_back(p.m);
  if (!b_vector) p.out_shape.push_back(p.n);
  return p;
}

// The gradient of an operand stored as `blocks` matrices of `size` floats, each the sum of
// gemm_into(i, dst, beta) over the products i that read it. A fresh buffer is written by each
// block's first product (beta = 0) and added to by the rest, so it is never zero-filled first,
// except for blocks no product reads (an empty batch dimension on the other side).
template <class GemmInto, class BlockOf>
void gradient_blocks(BackwardContext::GradTarget target, std::size_t blocks, std::size_t size, std::size_t count,
                     BlockOf block_of, GemmInto gemm_into) {
  float* grad = target.grad.data();
  std::vector<bool> seen(target.fresh && blocks < count ? blocks : 0, false);
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t b = block_of(i);
    float beta = target.beta();
    if (!seen.empty()) {
      beta = seen[b] ? 1.0f : 0.0f;
      seen[b] = true;
    }
    gemm_into(i, grad + b * size, beta);
  }
  if (target.fresh && count == 0) std::fill(grad, grad + blocks * size, 0.0f);
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  Batches p = plan(a.value(), b.value());
  std::size_t m = p.m, k = p.k, n = p.n;
  Array y = Array::from_shape(p.out_shape);
  const float* av = a.value().data();
  const float* bv = b.value().data();
  if (p.b_blocks == 1) {
    // One shared B: the batch of A folds into its rows, one GEMM [count·m, k] @ [k, n].
    detail::gemm(false, false, p.count * m, n, k, 1.0f, av, k, bv, n, 0.0f, y.data(), n);
  } else {
    for (std::size_t i = 0; i < p.count; ++i)
      detail::gemm(false, false, m, n, k, 1.0f, av + p.a_at(i) * m * k, k, bv + p.b_at(i) * k * n, n, 0.0f,
                   y.data() + i * m * n, n);
  }
  // a is read only for b's gradient and b only for a's (product_reads), as PyTorch's mm saves them.
  BackwardReads reads = product_reads(a, b);
  return record(
      "matmul", std::move(y), {a, b},
      [p = std::move(p)](BackwardContext& ctx) {
        std::size_t m = p.m, k = p.k, n = p.n;
        const float* g = ctx.grad().data();
        // d(a@b)/da = g @ bᵀ per product [m, n] @ [n, k], summed over the products sharing an a block.
        if (ctx.wants(0)) {
          const float* bv = ctx.input(1).data();
          auto da = ctx.grad_target(0);
          if (p.b_blocks == 1) {
            detail::gemm(false, true, p.count * m, k, n, 1.0f, g, n, bv, n, da.beta(), da.grad.data(), k);
          } else {
            gradient_blocks(
                da, p.a_blocks, m * k, p.count, [&](std::size_t i) { return p.a_at(i); },
                [&](std::size_t i, float* dst, float beta) {
                  detail::gemm(false, true, m, k, n, 1.0f, g + i * m * n, n, bv + p.b_at(i) * k * n, n, beta, dst, k);
                });
          }
        }
        // d(a@b)/db = aᵀ @ g per product [k, m] @ [m, n]; with one shared b, Σᵢ aᵢᵀ gᵢ is one GEMM
        // [k, count·m] @ [count·m, n].
        if (ctx.wants(1)) {
          const float* av = ctx.input(0).data();
          auto db = ctx.grad_target(1);
          if (p.b_blocks == 1) {
            detail::gemm(true, false, k, n, p.count * m, 1.0f, av, k, g, n, db.beta(), db.grad.data(), n);
          } else {
            gradient_blocks(
                db, p.b_blocks, k * n, p.count, [&](std::size_t i) { return p.b_at(i); },
                [&](std::size_t i, float* dst, float beta) {
                  detail::gemm(true, false, k, n, m, 1.0f, av + p.a_at(i) * m * k, k, g + i * m * n, n, beta, dst, n);
                });
          }
        }
      },
      reads);
}

namespace {

Tensor linear_impl(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  const Array& xv = x.value();
  const Array& wv = weight.value();
  XTGRAD_CHECK(wv.dimension() == 2, "linear", "expected a weight [out, in] or [in], got shape ", detail::dims(wv));
  std::size_t out = wv.shape()[0], in = wv.shape()[1];
  XTGRAD_CHECK(xv.dimension() >= 1 && xv.shape()[xv.dimension() - 1] == in, "linear", "expected input of shape [*, ",
               in, "] for weight ", detail::dims(wv), ", got ", detail::dims(xv));
  if (bias) {
    const Array& bv = bias->value();
    XTGRAD_CHECK(bv.dimension() == 1 && bv.shape()[0] == out, "linear", "expected bias of shape [", out,
                 "] for weight ", detail::dims(wv), ", got ", detail::dims(bv));
  }
  // The leading dimensions of x [*, in] are one batch of n rows: row-major data needs no copy.
  Dims y_shape = xv.shape();
  y_shape.back() = out;
  std::size_t n = product(y_shape, 0, y_shape.size() - 1);
  Array y = Array::from_shape(y_shape);
  // y [n, out] = x [n, in] @ Wᵀ [in, out] (+ b on every row)
  if (bias)
    detail::gemm_bias(false, true, n, out, in, 1.0f, xv.data(), in, wv.data(), in, bias->value().data(), y.data(), out);
  else detail::gemm(false, true, n, out, in, 1.0f, xv.data(), in, wv.data(), in, 0.0f, y.data(), out);
  auto backward = [n, in, out](BackwardContext& ctx) {
    const float* g = ctx.grad().data();
    // dx [n, in] = g [n, out] @ W [out, in]
    if (ctx.wants(0)) {
      auto dx = ctx.grad_target(0);
      detail::gemm(false, false, n, in, out, 1.0f, g, out, ctx.input(1).data(), in, dx.beta(), dx.grad.data(), in);
    }
    // dW [out, in] = gᵀ [out, n] @ x [n, in]
    if (ctx.wants(1)) {
      auto dw = ctx.grad_target(1);
      detail::gemm(true, false, out, in, n, 1.0f, g, out, ctx.input(0).data(), in, dw.beta(), dw.grad.data(), in);
    }
    // db [out] = column sums of g, vectorised for the CPU in a portable build too; each thread
    // sums a band of columns (the same additions in the same order as one thread), since with W3's
    // g of 2 MB one thread's pass was part of what kept two threads from twice the speed
    if (ctx.num_inputs() == 3 && ctx.wants(2)) {
      float* db = ctx.grad_buffer(2).data();
      std::size_t grain = std::max<std::size_t>(16, detail::kElementwiseGrain / std::max<std::size_t>(n, 1));
      detail::parallel_for(out, grain, [&](std::size_t begin, std::size_t end) {
        detail::simd_kernels().add_column_sums(g + begin, n, end - begin, out, db + begin);
      });
    }
  };
  // Its backward reads x only for W's gradient and W only for x's, never its output (nor b), as
  // PyTorch's addmm saves them: the output's value can go early, and so can x when W is frozen.
  const BackwardReads reads = product_reads(x, weight);
  if (bias) return record("linear", std::move(y), {x, weight, *bias}, backward, reads);
  return record("linear", std::move(y), {x, weight}, backward, reads);
}

}  // namespace

// The fused op takes the usual weight [out, in] and bias [out]. F.linear also documents a weight
// [in] (the output loses its last dim) and a bias [] ; any bias that broadcasts to the output (as
// addmm's does) is added after the product, with the add's gradient.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  // (On the arrays: Tensor::shape() copies the shape, and this runs for every Linear's forward.)
  const Array &bv = bias.value(), &wv = weight.value();
  bool usual_bias = bv.dimension() == 1 && wv.dimension() == 2 && bv.shape()[0] == wv.shape()[0];
  if (usual_bias) return linear_impl(x, weight, &bias);
  Tensor y = linear(x, weight);
  XTGRAD_CHECK(detail::broadcast_shapes("linear", y.shape(), bias.shape()) == y.shape(), "linear", "bias of shape ",
               shape_str(bias.shape()), " does not broadcast to the output ", shape_str(y.shape()));
  return add(y, bias);
}

Tensor linear(const Tensor& x, const Tensor& weight) {
  if (weight.value().dimension() == 1) {
    XTGRAD_CHECK(x.dim() >= 1 && x.shape().back() == weight.shape()[0], "linear", "expected input of shape [*, ",
                 weight.shape()[0], "] for weight ", shape_str(weight.shape()), ", got ", shape_str(x.shape()));
    return matmul(x, weight);
  }
  return linear_impl(x, weight, nullptr);
}

}  // namespace xtgrad
