// Matrix product through the GEMM interface: transposes are flags, gradients accumulate in
// place with beta = 1, so no transposed copy or gradient temporary is made.
#include "autograd.hpp"
#include "detail/check.hpp"
#include "detail/gemm.hpp"
#include "ops.hpp"

namespace xtgrad {

Tensor matmul(const Tensor& a, const Tensor& b) {
  const Array& av = a.value();
  const Array& bv = b.value();
  detail::check(av.dimension() == 2 && bv.dimension() == 2, "matmul", "expected two 2-D tensors, got shapes ",
                detail::dims(av), " and ", detail::dims(bv));
  std::size_t m = av.shape()[0], k = av.shape()[1], n = bv.shape()[1];
  detail::check(bv.shape()[0] == k, "matmul", "shapes ", detail::dims(av), " and ", detail::dims(bv), " do not align");
  // y [m, n] = a [m, k] @ b [k, n]
  Array y = Array::from_shape({m, n});
  detail::gemm(false, false, m, n, k, 1.0f, av.data(), k, bv.data(), n, 0.0f, y.data(), n);
  return record("matmul", std::move(y), {a, b}, [m, n, k](BackwardContext& ctx) {
    const float* g = ctx.grad().data();
    // d(a@b)/da = g @ bᵀ : [m, n] @ [n, k]
    if (ctx.wants(0))
      detail::gemm(false, true, m, k, n, 1.0f, g, n, ctx.input(1).data(), n, 1.0f, ctx.grad_buffer(0).data(), k);
    // d(a@b)/db = aᵀ @ g : [k, m] @ [m, n]
    if (ctx.wants(1))
      detail::gemm(true, false, k, n, m, 1.0f, ctx.input(0).data(), k, g, n, 1.0f, ctx.grad_buffer(1).data(), n);
  });
}

}  // namespace xtgrad
