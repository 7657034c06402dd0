// The fused GRU layer: forward over all steps, and backpropagation through time by hand.
// Saved for backward: the activated gates r, z, n [T, B, 3H] and W_hn h_{t−1} + b_hn [T, B, H]
// (which r scales); the hidden states are the op's own output and h0 its input.
#include "xtgrad/layers/gru_layer.hpp"

#include <algorithm>
#include <vector>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/layers/recurrent_layer.hpp"

namespace xtgrad {
namespace {

using detail::gemm;
using detail::step_time;

}  // namespace

GRULayerResult gru_layer(const Tensor& x, const Tensor& h0, const Tensor& weight_ih, const Tensor& weight_hh,
                         const std::optional<Tensor>& bias_ih, const std::optional<Tensor>& bias_hh, bool reverse) {
  detail::check_recurrent_layer("gru_layer", 3, x, {h0}, "h0", weight_ih, weight_hh, bias_ih, bias_hh);
  const std::size_t steps = x.size(0), batch = x.size(1), H = weight_hh.size(1), G = 3 * H;

  // Input pre-activations of all steps, [T·B, 3H] = x W_ihᵀ + b_ih + (b_hr, b_hz, 0): b_hn stays
  // apart, inside r ⊙ (W_hn h + b_hn).
  Array gates = Array::from_shape({steps, batch, G});
  std::vector<float> bias;
  const float* b_hn = nullptr;
  if (bias_ih) {
    const float* bi = bias_ih->value().data();
    const float* bh = bias_hh->value().data();
    bias.assign(bi, bi + G);
    for (std::size_t j = 0; j < 2 * H; ++j) bias[j] += bh[j];
    b_hn = bh + 2 * H;
  }
  detail::project_inputs(x, weight_ih, bias_ih ? bias.data() : nullptr, gates.data());

  Array output = Array::from_shape({steps, batch, H});
  Array hn = Array::from_shape({steps, batch, H});
  Array gh = Array::from_shape({batch, G});  // one step's h W_hhᵀ
  const float* w_hh = weight_hh.value().data();
  for (std::size_t s = 0; s < steps; ++s) {
    const std::size_t t = step_time(s, steps, reverse);
    const float* h_prev = s == 0 ? h0.value().data() : output.data() + step_time(s - 1, steps, reverse) * batch * H;
    gemm(false, true, batch, G, H, 1.0f, h_prev, H, w_hh, H, 0.0f, gh.data(), G);
    float* gi = gates.data() + t * batch * G;
    float* h = output.data() + t * batch * H;
    float* hn_t = hn.data() + t * batch * H;
    for (std::size_t b = 0; b < batch; ++b)
      detail::simd_kernels().gru_cell_forward(gi + b * G, gh.data() + b * G, b_hn, h_prev + b * H, h + b * H,
                                              hn_t + b * H, H);
  }
  Array h_n = Array::from_shape({batch, H});
  const std::size_t last = step_time(steps - 1, steps, reverse) * batch * H;
  std::copy(output.data() + last, output.data() + last + batch * H, h_n.data());

  std::vector<Tensor> inputs{x, h0, weight_ih, weight_hh};
  if (bias_ih) inputs.insert(inputs.end(), {*bias_ih, *bias_hh});
  std::vector<Array> values;
  values.push_back(std::move(output));
  values.push_back(std::move(h_n));
  auto backward = [steps, batch, H, G, reverse, gates = std::move(gates), hn = std::move(hn)](BackwardContext& ctx) {
    const Array* d_out = ctx.grad(0);
    const Array* d_hn = ctx.grad(1);
    const float* out = ctx.output(0).data();
    const float* h0 = ctx.input(1).data();
    Array dh = d_hn ? *d_hn : Array(xt::zeros<float>({batch, H}));
    // Gradients of the input and the recurrent pre-activations, in time order.
    Array d_ih = Array::from_shape({steps, batch, G});
    Array d_hh = Array::from_shape({steps, batch, G});
    for (std::size_t s = steps; s-- > 0;) {
      const std::size_t t = step_time(s, steps, reverse);
      const float* h_prev = s == 0 ? h0 : out + step_time(s - 1, steps, reverse) * batch * H;
      const float* act = gates.data() + t * batch * G;
      const float* hn_t = hn.data() + t * batch * H;
      const float* d_out_t = d_out ? d_out->data() + t * batch * H : nullptr;
      float* di = d_ih.data() + t * batch * G;
      float* dr = d_hh.data() + t * batch * G;
      for (std::size_t b = 0; b < batch; ++b)
        detail::simd_kernels().gru_cell_backward(act + b * G, hn_t + b * H, h_prev + b * H, dh.data() + b * H,
                                                 d_out_t ? d_out_t + b * H : nullptr, di + b * G, dr + b * G, H);
      // dh_{t−1} [B, H] = dh·z + d_hh_t [B, 3H] @ W_hh [3H, H]
      gemm(false, false, batch, H, G, 1.0f, dr, G, ctx.input(3).data(), H, 1.0f, dh.data(), H);
    }
    detail::recurrent_input_and_weight_grads(ctx, d_ih.data(), d_hh.data(), 1, 2, reverse);
    if (ctx.wants(1)) ctx.add(1, std::move(dh));
  };
  // Read: x only for dW_ih and W_ih only for dx (as a matmul), h0, W_hh and the hidden states at
  // every step; never the biases. PyTorch 1.13 (aten::gru, step by step on the CPU) reads h0 only
  // when some weight or bias needs a gradient, and never the output: it keeps each step's h, which
  // this reads from the output instead of storing it twice.
  const BackwardReads reads{(weight_ih.requires_grad() ? 0b1u : 0u) | 0b10u | (x.requires_grad() ? 0b100u : 0u) |
                                0b1000u,
                            true};
  std::vector<Tensor> outs = record_multi("gru_layer", std::move(values), inputs, std::move(backward), reads);
  return {outs[0], outs[1]};
}

}  // namespace xtgrad
