// Matrix product through the GEMM interface: transposes are flags, and gradients are written
// (beta = 0, when new) or accumulated (beta = 1) in place, so no transposed copy or gradient
// temporary is made.
#include "autograd.hpp"
#include "detail/check.hpp"
#include "detail/gemm.hpp"
#include "ops.hpp"

namespace xtgrad {

Tensor matmul(const Tensor& a, const Tensor& b) {
  const Array& av = a.value();
  const Array& bv = b.value();
  XTGRAD_CHECK(av.dimension() == 2 && bv.dimension() == 2, "matmul", "expected two 2-D tensors, got shapes ",
                detail::dims(av), " and ", detail::dims(bv));
  std::size_t m = av.shape()[0], k = av.shape()[1], n = bv.shape()[1];
  XTGRAD_CHECK(bv.shape()[0] == k, "matmul", "shapes ", detail::dims(av), " and ", detail::dims(bv), " do not align");
  // y [m, n] = a [m, k] @ b [k, n]
  Array y = Array::from_shape({m, n});
  detail::gemm(false, false, m, n, k, 1.0f, av.data(), k, bv.data(), n, 0.0f, y.data(), n);
  return record("matmul", std::move(y), {a, b}, [m, n, k](BackwardContext& ctx) {
    const float* g = ctx.grad().data();
    // d(a@b)/da = g @ bᵀ : [m, n] @ [n, k]
    if (ctx.wants(0)) {
      auto da = ctx.grad_target(0);
      detail::gemm(false, true, m, k, n, 1.0f, g, n, ctx.input(1).data(), n, da.beta(), da.grad.data(), k);
    }
    // d(a@b)/db = aᵀ @ g : [k, m] @ [m, n]
    if (ctx.wants(1)) {
      auto db = ctx.grad_target(1);
      detail::gemm(true, false, k, n, m, 1.0f, ctx.input(0).data(), k, g, n, db.beta(), db.grad.data(), n);
    }
  });
}

namespace {

Tensor linear_impl(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  const Array& xv = x.value();
  const Array& wv = weight.value();
  XTGRAD_CHECK(wv.dimension() == 2, "linear", "expected a 2-D weight [out, in], got shape ", detail::dims(wv));
  std::size_t out = wv.shape()[0], in = wv.shape()[1];
  XTGRAD_CHECK(xv.dimension() == 2 && xv.shape()[1] == in, "linear", "expected input of shape [batch, ", in,
                "] for weight ", detail::dims(wv), ", got ", detail::dims(xv));
  if (bias) {
    const Array& bv = bias->value();
    XTGRAD_CHECK(bv.dimension() == 1 && bv.shape()[0] == out, "linear", "expected bias of shape [", out,
                  "] for weight ", detail::dims(wv), ", got ", detail::dims(bv));
  }
  std::size_t n = xv.shape()[0];
  Array y = Array::from_shape({n, out});
  float beta = 0.0f;
  if (bias) {  // start from the broadcast bias, then accumulate the product onto it
    const float* b = bias->value().data();
    for (std::size_t r = 0; r < n; ++r) std::copy(b, b + out, y.data() + r * out);
    beta = 1.0f;
  }
  // y [n, out] = x [n, in] @ Wᵀ [in, out]
  detail::gemm(false, true, n, out, in, 1.0f, xv.data(), in, wv.data(), in, beta, y.data(), out);
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
    // db [out] = column sums of g
    if (ctx.num_inputs() == 3 && ctx.wants(2)) {
      float* db = ctx.grad_buffer(2).data();
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < out; ++c) db[c] += g[r * out + c];
    }
  };
  if (bias) return record("linear", std::move(y), {x, weight, *bias}, backward);
  return record("linear", std::move(y), {x, weight}, backward);
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) { return linear_impl(x, weight, &bias); }
Tensor linear(const Tensor& x, const Tensor& weight) { return linear_impl(x, weight, nullptr); }

}  // namespace xtgrad
