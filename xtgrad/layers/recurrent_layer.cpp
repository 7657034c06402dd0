// The parts of the fused recurrent layers that do not depend on the cell.
#include "xtgrad/layers/recurrent_layer.hpp"

#include <algorithm>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

namespace xtgrad::detail {

void check_recurrent_layer(const char* op, std::size_t gates, const Tensor& x, const std::vector<Tensor>& states,
                           const char* state_names, const Tensor& w_ih, const Tensor& w_hh,
                           const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh) {
  XTGRAD_CHECK(w_hh.dim() == 2 && w_hh.size(0) == gates * w_hh.size(1) && w_hh.size(1) > 0, op,
               "expected weight_hh of shape [", gates, "H, H], got ", shape_str(w_hh.shape()));
  std::size_t hidden = w_hh.size(1);
  // A batch of 0 runs (every product and loop is empty), as PyTorch's: the outputs are empty and
  // the weights' gradients zeros. No steps is PyTorch's error too.
  XTGRAD_CHECK(x.dim() == 3 && x.size(0) > 0, op, "expected input of shape [T, B, I] with T > 0, got ",
               shape_str(x.shape()));
  Shape expect_ih{gates * hidden, x.size(2)};
  XTGRAD_CHECK(w_ih.shape() == expect_ih, op, "expected weight_ih of shape ", shape_str(expect_ih), ", got ",
               shape_str(w_ih.shape()));
  Shape state{x.size(1), hidden};
  bool states_ok = true;
  std::string got;
  for (const Tensor& s : states) {
    states_ok = states_ok && s.shape() == state;
    got += (got.empty() ? "" : " and ") + shape_str(s.shape());
  }
  XTGRAD_CHECK(states_ok, op, "expected ", state_names, " of shape ", shape_str(state), ", got ", got);
  XTGRAD_CHECK(b_ih.has_value() == b_hh.has_value(), op, "expected both biases or neither");
  if (b_ih) {
    Shape bias{gates * hidden};
    XTGRAD_CHECK(b_ih->shape() == bias && b_hh->shape() == bias, op, "expected biases of shape ", shape_str(bias),
                 ", got ", shape_str(b_ih->shape()), " and ", shape_str(b_hh->shape()));
  }
}

void project_inputs(const Tensor& x, const Tensor& weight_ih, const float* bias, float* pre) {
  const std::size_t rows = x.size(0) * x.size(1), in = x.size(2), G = weight_ih.size(0);
  if (bias)
    for (std::size_t r = 0; r < rows; ++r) std::copy(bias, bias + G, pre + r * G);
  gemm(false, true, rows, G, in, 1.0f, x.value().data(), in, weight_ih.value().data(), in, bias ? 1.0f : 0.0f, pre, G);
}

void recurrent_input_and_weight_grads(BackwardContext& ctx, const float* d_ih, const float* d_hh, std::size_t h0_input,
                                      std::size_t weight_input, bool reverse) {
  const auto& x_shape = ctx.input_shape(0);
  const std::size_t steps = x_shape[0], batch = x_shape[1], in = x_shape[2];
  const std::size_t G = ctx.input_shape(weight_input)[0], H = ctx.input_shape(weight_input + 1)[1];
  const std::size_t rows = steps * batch;
  // dx [T·B, I] = d_ih @ W_ih ; dW_ih [G, I] = d_ihᵀ @ x
  if (ctx.wants(0)) {
    auto dx = ctx.grad_target(0);
    gemm(false, false, rows, in, G, 1.0f, d_ih, G, ctx.input(weight_input).data(), in, dx.beta(), dx.grad.data(), in);
  }
  if (ctx.wants(weight_input)) {
    auto dw = ctx.grad_target(weight_input);
    gemm(true, false, G, in, rows, 1.0f, d_ih, G, ctx.input(0).data(), in, dw.beta(), dw.grad.data(), in);
  }
  // dW_hh [G, H] = Σ_t d_hh_tᵀ @ h_{t−1}: h0 for the first step processed, then the output rows
  // one step behind (earlier in time going forward, later in reverse), one GEMM for all of them.
  if (ctx.wants(weight_input + 1)) {
    auto target = ctx.grad_target(weight_input + 1);
    float* dw = target.grad.data();
    const float* h0 = ctx.input(h0_input).data();
    const float* out = ctx.output(0).data();
    std::size_t first = step_time(0, steps, reverse) * batch;
    gemm(true, false, G, H, batch, 1.0f, d_hh + first * G, G, h0, H, target.beta(), dw, H);
    if (steps > 1) {
      std::size_t d_from = reverse ? 0 : batch, h_from = reverse ? batch : 0;
      gemm(true, false, G, H, (steps - 1) * batch, 1.0f, d_hh + d_from * G, G, out + h_from * H, H, 1.0f, dw, H);
    }
  }
  std::size_t bias_input = weight_input + 2;
  if (ctx.num_inputs() > bias_input) {  // db [G] += the column sums of d [rows, G]
    const SimdKernels& kernels = simd_kernels();
    if (ctx.wants(bias_input)) kernels.add_column_sums(d_ih, rows, G, G, ctx.grad_buffer(bias_input).data());
    if (ctx.wants(bias_input + 1)) kernels.add_column_sums(d_hh, rows, G, G, ctx.grad_buffer(bias_input + 1).data());
  }
}

}  // namespace xtgrad::detail
