// The fused LSTM layer: forward over all steps, and backpropagation through time by hand.
// Saved for backward: the activated gates [T, B, 4H] and the cells c_1..c_T [T, B, H]; the
// hidden states are the op's own output and h0 its input, so they are not stored twice.
#include "xtgrad/layers/lstm_layer.hpp"

#include <algorithm>
#include <cmath>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/layers/recurrent_layer.hpp"

namespace xtgrad {
namespace {

using detail::gemm;
using detail::step_time;

}  // namespace

LSTMLayerResult lstm_layer(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& weight_ih,
                           const Tensor& weight_hh, const std::optional<Tensor>& bias_ih,
                           const std::optional<Tensor>& bias_hh, bool reverse) {
  detail::check_recurrent_layer("lstm_layer", 4, x, {h0, c0}, "h0 and c0", weight_ih, weight_hh, bias_ih, bias_hh);
  const std::size_t steps = x.size(0), batch = x.size(1), H = weight_hh.size(1), G = 4 * H;

  // Pre-activations of all steps: [T·B, 4H] = x W_ihᵀ + (b_ih + b_hh), then += h_{t−1} W_hhᵀ per step.
  Array gates = Array::from_shape({steps, batch, G});
  std::vector<float> bias;
  if (bias_ih) {
    bias.resize(G);
    for (std::size_t j = 0; j < G; ++j) bias[j] = bias_ih->value().data()[j] + bias_hh->value().data()[j];
  }
  detail::project_inputs(x, weight_ih, bias_ih ? bias.data() : nullptr, gates.data());

  // Rows are kept in time order whichever way the steps run.
  Array output = Array::from_shape({steps, batch, H});
  Array cells = Array::from_shape({steps, batch, H});
  const float* w_hh = weight_hh.value().data();
  for (std::size_t s = 0; s < steps; ++s) {
    const std::size_t t = step_time(s, steps, reverse), before = s == 0 ? 0 : step_time(s - 1, steps, reverse);
    const float* h_prev = s == 0 ? h0.value().data() : output.data() + before * batch * H;
    const float* c_prev = s == 0 ? c0.value().data() : cells.data() + before * batch * H;
    float* a = gates.data() + t * batch * G;
    gemm(false, true, batch, G, H, 1.0f, h_prev, H, w_hh, H, 1.0f, a, G);
    float* c = cells.data() + t * batch * H;
    float* h = output.data() + t * batch * H;
    for (std::size_t b = 0; b < batch; ++b)
      detail::simd_kernels().lstm_cell_forward(a + b * G, c_prev + b * H, c + b * H, h + b * H, H);
  }
  Array h_n = Array::from_shape({batch, H});
  Array c_n = Array::from_shape({batch, H});
  const std::size_t last = step_time(steps - 1, steps, reverse) * batch * H;
  std::copy(output.data() + last, output.data() + last + batch * H, h_n.data());
  std::copy(cells.data() + last, cells.data() + last + batch * H, c_n.data());

  std::vector<Tensor> inputs{x, h0, c0, weight_ih, weight_hh};
  if (bias_ih) inputs.insert(inputs.end(), {*bias_ih, *bias_hh});
  std::vector<Array> values;
  values.push_back(std::move(output));
  values.push_back(std::move(h_n));
  values.push_back(std::move(c_n));
  auto backward = [steps, batch, H, G, reverse, gates = std::move(gates),
                   cells = std::move(cells)](BackwardContext& ctx) {
    const Array* d_out = ctx.grad(0);
    const Array* d_hn = ctx.grad(1);
    const Array* d_cn = ctx.grad(2);
    const float* c0 = ctx.input(2).data();
    Array dh = d_hn ? *d_hn : Array(xt::zeros<float>({batch, H}));
    Array dc = d_cn ? *d_cn : Array(xt::zeros<float>({batch, H}));
    Array d_pre = Array::from_shape({steps, batch, G});  // gradient of the pre-activations, in time order
    for (std::size_t s = steps; s-- > 0;) {
      const std::size_t t = step_time(s, steps, reverse);
      const float* act = gates.data() + t * batch * G;
      const float* c = cells.data() + t * batch * H;
      const float* c_prev = s == 0 ? c0 : cells.data() + step_time(s - 1, steps, reverse) * batch * H;
      float* da = d_pre.data() + t * batch * G;
      const float* d_out_t = d_out ? d_out->data() + t * batch * H : nullptr;
      for (std::size_t b = 0; b < batch; ++b)
        detail::simd_kernels().lstm_cell_backward(act + b * G, c + b * H, c_prev + b * H, dh.data() + b * H,
                                                  d_out_t ? d_out_t + b * H : nullptr, dc.data() + b * H, da + b * G,
                                                  H);
      // dh_{t−1} [B, H] = d_pre_t [B, 4H] @ W_hh [4H, H]
      gemm(false, false, batch, H, G, 1.0f, da, G, ctx.input(4).data(), H, 0.0f, dh.data(), H);
    }
    detail::recurrent_input_and_weight_grads(ctx, d_pre.data(), d_pre.data(), 1, 3, reverse);
    if (ctx.wants(1)) ctx.add(1, std::move(dh));
    if (ctx.wants(2)) ctx.add(2, std::move(dc));
  };
  // Read: x only for dW_ih and W_ih only for dx (as a matmul), h0 and the hidden states only for
  // dW_hh, c0 and W_hh at every step; never the biases. PyTorch 1.13 (aten::lstm, step by step on
  // the CPU) saves the same inputs but never the output: it keeps each step's h, which this reads
  // from the output instead of storing it twice.
  const BackwardReads reads{(weight_ih.requires_grad() ? 0b1u : 0u) | (weight_hh.requires_grad() ? 0b10u : 0u) |
                                0b100u | (x.requires_grad() ? 0b1000u : 0u) | 0b10000u,
                            weight_hh.requires_grad()};
  std::vector<Tensor> outs = record_multi("lstm_layer", std::move(values), inputs, std::move(backward), reads);
  return {outs[0], outs[1], outs[2]};
}

}  // namespace xtgrad
