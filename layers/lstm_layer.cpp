// The fused LSTM layer: forward over all steps, and backpropagation through time by hand.
// Saved for backward: the activated gates [T, B, 4H] and the cells c_1..c_T [T, B, H]; the
// hidden states are the op's own output and h0 its input, so they are not stored twice.
#include "lstm_layer.hpp"

#include <algorithm>
#include <cmath>

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

// One sequence's cell update over its H units, a SIMD batch of units at a time.
// a: the 4H pre-activations in, replaced by the activated gates i, f, g, o (kept for backward).
void cell_forward(float* a, const float* c_prev, float* c, float* h, std::size_t H) {
  for (std::size_t j = 0; j < H; j += FloatBatch::size) {
    std::size_t n = std::min(FloatBatch::size, H - j);
    FloatBatch i = sigmoid_batch(load_n(a + j, n)), f = sigmoid_batch(load_n(a + H + j, n));
    FloatBatch g = xsimd::tanh(load_n(a + 2 * H + j, n)), o = sigmoid_batch(load_n(a + 3 * H + j, n));
    FloatBatch cn = f * load_n(c_prev + j, n) + i * g;  // c' = f⊙c + i⊙g
    store_n(i, a + j, n), store_n(f, a + H + j, n), store_n(g, a + 2 * H + j, n), store_n(o, a + 3 * H + j, n);
    store_n(cn, c + j, n);
    store_n(o * xsimd::tanh(cn), h + j, n);  // h' = o⊙tanh(c')
  }
}

// The cell's backward for one sequence: from dh (the state's gradient; plus d_out, the output's,
// when given) and dc, the pre-activation gradients d_pre [4H]; dc becomes dc_{t−1}.
void cell_backward(const float* act, const float* c, const float* c_prev, const float* dh, const float* d_out,
                   float* dc, float* d_pre, std::size_t H) {
  const FloatBatch one(1.0f);
  for (std::size_t j = 0; j < H; j += FloatBatch::size) {
    std::size_t n = std::min(FloatBatch::size, H - j);
    FloatBatch i = load_n(act + j, n), f = load_n(act + H + j, n);
    FloatBatch g = load_n(act + 2 * H + j, n), o = load_n(act + 3 * H + j, n);
    FloatBatch dh_j = load_n(dh + j, n);
    if (d_out) dh_j += load_n(d_out + j, n);
    FloatBatch tc = xsimd::tanh(load_n(c + j, n));
    // h = o·tanh(c): dc gains dh·o·(1 − tanh²c); c = f·c_prev + i·g
    FloatBatch dct = load_n(dc + j, n) + dh_j * o * (one - tc * tc);
    store_n(dct * g * i * (one - i), d_pre + j, n);                      // σ' = σ(1 − σ)
    store_n(dct * load_n(c_prev + j, n) * f * (one - f), d_pre + H + j, n);
    store_n(dct * i * (one - g * g), d_pre + 2 * H + j, n);              // tanh' = 1 − tanh²
    store_n(dh_j * tc * o * (one - o), d_pre + 3 * H + j, n);
    store_n(dct * f, dc + j, n);
  }
}

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
    for (std::size_t b = 0; b < batch; ++b) cell_forward(a + b * G, c_prev + b * H, c + b * H, h + b * H, H);
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
  auto backward = [steps, batch, H, G, reverse, gates = std::move(gates), cells = std::move(cells)](BackwardContext& ctx) {
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
        cell_backward(act + b * G, c + b * H, c_prev + b * H, dh.data() + b * H, d_out_t ? d_out_t + b * H : nullptr,
                      dc.data() + b * H, da + b * G, H);
      // dh_{t−1} [B, H] = d_pre_t [B, 4H] @ W_hh [4H, H]
      gemm(false, false, batch, H, G, 1.0f, da, G, ctx.input(4).data(), H, 0.0f, dh.data(), H);
    }
    detail::recurrent_input_and_weight_grads(ctx, d_pre.data(), d_pre.data(), 1, 3, reverse);
    if (ctx.wants(1)) ctx.add(1, std::move(dh));
    if (ctx.wants(2)) ctx.add(2, std::move(dc));
  };
  std::vector<Tensor> outs = record_multi("lstm_layer", std::move(values), inputs, std::move(backward));
  return {outs[0], outs[1], outs[2]};
}

}  // namespace xtgrad
