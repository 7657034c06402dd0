// The fused GRU layer: forward over all steps, and backpropagation through time by hand.
// Saved for backward: the activated gates r, z, n [T, B, 3H] and W_hn h_{t−1} + b_hn [T, B, H]
// (which r scales); the hidden states are the op's own output and h0 its input.
#include "gru_layer.hpp"

#include <algorithm>
#include <vector>

#include "../core/autograd.hpp"
#include "../core/detail/gemm.hpp"
#include "../core/detail/simd.hpp"
#include "recurrent_layer.hpp"

namespace xtgrad {
namespace {

using detail::FloatBatch;
using detail::gemm;
using detail::load_n;
using detail::sigmoid_batch;
using detail::step_time;
using detail::store_n;

// One sequence's step over its H units, a SIMD batch of units at a time. gi: the 3H input
// pre-activations (b_ih, b_hr and b_hz included), replaced by r, z, n; gh: h W_hhᵀ [3H];
// b_hn: the recurrent bias of n, or null; hn: W_hn h + b_hn out, kept for backward.
void cell_forward(float* gi, const float* gh, const float* b_hn, const float* h_prev, float* h, float* hn,
                  std::size_t H) {
  for (std::size_t j = 0; j < H; j += FloatBatch::size) {
    std::size_t k = std::min(FloatBatch::size, H - j);
    FloatBatch r = sigmoid_batch(load_n(gi + j, k) + load_n(gh + j, k));
    FloatBatch z = sigmoid_batch(load_n(gi + H + j, k) + load_n(gh + H + j, k));
    FloatBatch hn_j = load_n(gh + 2 * H + j, k);
    if (b_hn) hn_j += load_n(b_hn + j, k);
    FloatBatch n = xsimd::tanh(load_n(gi + 2 * H + j, k) + r * hn_j);
    store_n(r, gi + j, k), store_n(z, gi + H + j, k), store_n(n, gi + 2 * H + j, k);
    store_n(hn_j, hn + j, k);
    store_n(n + z * (load_n(h_prev + j, k) - n), h + j, k);  // h' = (1 − z)⊙n + z⊙h
  }
}

// The step's backward for one sequence: from dh (the state's gradient; plus d_out, the
// output's, when given), the gradients of the input pre-activations d_ih [3H] and of the
// recurrent ones d_hh [3H] (they differ in n's block, which r scales); dh becomes its part of
// dh_{t−1} that does not go through W_hh, dh·z.
void cell_backward(const float* act, const float* hn, const float* h_prev, float* dh, const float* d_out,
                   float* d_ih, float* d_hh, std::size_t H) {
  const FloatBatch one(1.0f);
  for (std::size_t j = 0; j < H; j += FloatBatch::size) {
    std::size_t k = std::min(FloatBatch::size, H - j);
    FloatBatch r = load_n(act + j, k), z = load_n(act + H + j, k), n = load_n(act + 2 * H + j, k);
    FloatBatch dh_j = load_n(dh + j, k);
    if (d_out) dh_j += load_n(d_out + j, k);
    // h' = n + z·(h − n): dn = dh·(1 − z), dz = dh·(h − n); n = tanh(a_n): da_n = dn·(1 − n²)
    FloatBatch da_n = dh_j * (one - z) * (one - n * n);
    FloatBatch da_r = da_n * load_n(hn + j, k) * r * (one - r);  // a_n = gi_n + r·hn; σ' = σ(1 − σ)
    FloatBatch da_z = dh_j * (load_n(h_prev + j, k) - n) * z * (one - z);
    store_n(da_r, d_ih + j, k), store_n(da_z, d_ih + H + j, k), store_n(da_n, d_ih + 2 * H + j, k);
    store_n(da_r, d_hh + j, k), store_n(da_z, d_hh + H + j, k), store_n(da_n * r, d_hh + 2 * H + j, k);
    store_n(dh_j * z, dh + j, k);
  }
}

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
      cell_forward(gi + b * G, gh.data() + b * G, b_hn, h_prev + b * H, h + b * H, hn_t + b * H, H);
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
        cell_backward(act + b * G, hn_t + b * H, h_prev + b * H, dh.data() + b * H,
                      d_out_t ? d_out_t + b * H : nullptr, di + b * G, dr + b * G, H);
      // dh_{t−1} [B, H] = dh·z + d_hh_t [B, 3H] @ W_hh [3H, H]
      gemm(false, false, batch, H, G, 1.0f, dr, G, ctx.input(3).data(), H, 1.0f, dh.data(), H);
    }
    detail::recurrent_input_and_weight_grads(ctx, d_ih.data(), d_hh.data(), 1, 2, reverse);
    if (ctx.wants(1)) ctx.add(1, std::move(dh));
  };
  std::vector<Tensor> outs = record_multi("gru_layer", std::move(values), inputs, std::move(backward));
  return {outs[0], outs[1]};
}

}  // namespace xtgrad
