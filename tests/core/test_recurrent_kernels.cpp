// The LSTM and GRU cells and Adam's update compiled for each instruction set this CPU has
// (detail/recurrent_kernels_isa.cpp) against the same formulas in double, on H = 37 units so
// every vector width (4, 8, 16) leaves a tail. The layers' PyTorch fixtures check the wiring.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/kernel_inputs.hpp"
#include "support/testing.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

using namespace xtgrad;
using testing::close_to_double;
using testing::sigmoid_in_double;
using testing::spread;

namespace {

constexpr std::size_t kH = 37;

void check_close(const std::string& what, const std::vector<float>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(what << "[" << i << "]: " << got[i] << ", expected " << want[i]);
    CHECK(close_to_double(got[i], want[i]));
  }
}

std::string isa_label(detail::Isa isa, const char* what) { return std::string(detail::isa_name(isa)) + " " + what; }

}  // namespace

TEST_CASE("recurrent kernels: the LSTM cell forward and backward, for each instruction set") {
  const std::size_t H = kH;
  const std::vector<float> pre = spread(4 * H, 0.3f, -4.0f, 4.0f), c_prev = spread(H, 1.1f, -2.0f, 2.0f);
  const std::vector<float> dh = spread(H, 2.3f, -1.0f, 1.0f), d_out = spread(H, 0.7f, -0.5f, 0.5f);
  const std::vector<float> dc_next = spread(H, 1.9f, -1.0f, 1.0f);
  for (detail::Isa isa : detail::supported_isas()) {
    const detail::SimdKernels& k = detail::simd_kernels(isa);
    std::vector<float> act = pre, c(H), h(H);
    k.lstm_cell_forward(act.data(), c_prev.data(), c.data(), h.data(), H);
    std::vector<double> want_act(4 * H), want_c(H), want_h(H);
    for (std::size_t j = 0; j < H; ++j) {
      double i = sigmoid_in_double(pre[j]), f = sigmoid_in_double(pre[H + j]), g = std::tanh(double(pre[2 * H + j])),
             o = sigmoid_in_double(pre[3 * H + j]);
      want_act[j] = i, want_act[H + j] = f, want_act[2 * H + j] = g, want_act[3 * H + j] = o;
      want_c[j] = f * c_prev[j] + i * g;
      want_h[j] = o * std::tanh(want_c[j]);
    }
    check_close(isa_label(isa, "lstm gates"), act, want_act);
    check_close(isa_label(isa, "lstm c"), c, want_c);
    check_close(isa_label(isa, "lstm h"), h, want_h);

    // Backward from the kernel's own gates and cells, with and without the output's gradient.
    for (bool with_out : {true, false}) {
      std::vector<float> dc = dc_next, d_pre(4 * H);
      k.lstm_cell_backward(act.data(), c.data(), c_prev.data(), dh.data(), with_out ? d_out.data() : nullptr, dc.data(),
                           d_pre.data(), H);
      std::vector<double> want_dc(H), want_pre(4 * H);
      for (std::size_t j = 0; j < H; ++j) {
        double i = act[j], f = act[H + j], g = act[2 * H + j], o = act[3 * H + j], tc = std::tanh(double(c[j]));
        double dh_j = dh[j] + (with_out ? d_out[j] : 0.0);
        double dct = dc_next[j] + dh_j * o * (1 - tc * tc);
        want_pre[j] = dct * g * i * (1 - i);
        want_pre[H + j] = dct * c_prev[j] * f * (1 - f);
        want_pre[2 * H + j] = dct * i * (1 - g * g);
        want_pre[3 * H + j] = dh_j * tc * o * (1 - o);
        want_dc[j] = dct * f;
      }
      std::string what = isa_label(isa, with_out ? "lstm backward with d_out" : "lstm backward");
      check_close(what + " d_pre", d_pre, want_pre);
      check_close(what + " dc", dc, want_dc);
    }
  }
}

TEST_CASE("recurrent kernels: the GRU cell forward and backward, for each instruction set") {
  const std::size_t H = kH;
  const std::vector<float> gi_in = spread(3 * H, 0.5f, -3.0f, 3.0f), gh = spread(3 * H, 2.9f, -2.0f, 2.0f);
  const std::vector<float> b_hn = spread(H, 1.3f, -1.0f, 1.0f), h_prev = spread(H, 0.1f, -1.0f, 1.0f);
  const std::vector<float> dh_in = spread(H, 3.7f, -1.0f, 1.0f), d_out = spread(H, 2.1f, -0.5f, 0.5f);
  for (detail::Isa isa : detail::supported_isas()) {
    const detail::SimdKernels& k = detail::simd_kernels(isa);
    for (bool with_bias : {true, false}) {
      std::vector<float> act = gi_in, h(H), hn(H);
      k.gru_cell_forward(act.data(), gh.data(), with_bias ? b_hn.data() : nullptr, h_prev.data(), h.data(), hn.data(),
                         H);
      std::vector<double> want_act(3 * H), want_h(H), want_hn(H);
      for (std::size_t j = 0; j < H; ++j) {
        double r = sigmoid_in_double(double(gi_in[j]) + gh[j]), z = sigmoid_in_double(double(gi_in[H + j]) + gh[H + j]);
        double hn_j = double(gh[2 * H + j]) + (with_bias ? b_hn[j] : 0.0);
        double n = std::tanh(gi_in[2 * H + j] + r * hn_j);
        want_act[j] = r, want_act[H + j] = z, want_act[2 * H + j] = n;
        want_hn[j] = hn_j;
        want_h[j] = (1 - z) * n + z * h_prev[j];
      }
      std::string what = isa_label(isa, with_bias ? "gru with b_hn" : "gru");
      check_close(what + " gates", act, want_act);
      check_close(what + " hn", hn, want_hn);
      check_close(what + " h", h, want_h);
    }

    std::vector<float> act = gi_in, h(H), hn(H);
    k.gru_cell_forward(act.data(), gh.data(), b_hn.data(), h_prev.data(), h.data(), hn.data(), H);
    for (bool with_out : {true, false}) {
      std::vector<float> dh = dh_in, d_ih(3 * H), d_hh(3 * H);
      k.gru_cell_backward(act.data(), hn.data(), h_prev.data(), dh.data(), with_out ? d_out.data() : nullptr,
                          d_ih.data(), d_hh.data(), H);
      std::vector<double> want_ih(3 * H), want_hh(3 * H), want_dh(H);
      for (std::size_t j = 0; j < H; ++j) {
        double r = act[j], z = act[H + j], n = act[2 * H + j];
        double dh_j = dh_in[j] + (with_out ? d_out[j] : 0.0);
        double da_n = dh_j * (1 - z) * (1 - n * n);
        double da_r = da_n * hn[j] * r * (1 - r), da_z = dh_j * (h_prev[j] - n) * z * (1 - z);
        want_ih[j] = want_hh[j] = da_r;
        want_ih[H + j] = want_hh[H + j] = da_z;
        want_ih[2 * H + j] = da_n, want_hh[2 * H + j] = da_n * r;
        want_dh[j] = dh_j * z;
      }
      std::string what = isa_label(isa, with_out ? "gru backward with d_out" : "gru backward");
      check_close(what + " d_ih", d_ih, want_ih);
      check_close(what + " d_hh", d_hh, want_hh);
      check_close(what + " dh", dh, want_dh);
    }
  }
}

TEST_CASE("recurrent kernels: Adam's update, plain, L2, decoupled and amsgrad, for each instruction set") {
  const std::size_t n = kH;
  const std::vector<float> p0 = spread(n, 0.2f, -1.0f, 1.0f), grad = spread(n, 1.4f, -1.0f, 1.0f);
  const std::vector<float> m0 = spread(n, 2.6f, -0.1f, 0.1f), v0 = spread(n, 0.9f, 0.01f, 0.5f);
  const std::vector<float> vmax0 = spread(n, 3.3f, 0.01f, 0.5f);  // above v in some lanes, below in others
  struct Variant {
    const char* name;
    float decay;
    bool decoupled, amsgrad;
  };
  for (Variant variant : {Variant{"adam", 0.0f, false, false}, Variant{"adam L2", 0.05f, false, false},
                          Variant{"adamw", 0.05f, true, false}, Variant{"adam amsgrad", 0.0f, false, true}}) {
    const float beta1 = 0.9f, beta2 = 0.999f, lr = 0.01f, step = 3;
    const double bc1 = 1 - std::pow(double(beta1), step), bc2 = 1 - std::pow(double(beta2), step);
    const detail::AdamConstants c{beta1,
                                  beta2,
                                  1 - beta1,
                                  1 - beta2,
                                  1e-8f,
                                  variant.decay,
                                  1 - lr * variant.decay,
                                  float(lr / bc1),
                                  float(std::sqrt(bc2)),
                                  variant.decoupled};
    // PyTorch's Adam/AdamW step in double, from the same float constants.
    std::vector<double> want_p(n), want_m(n), want_v(n), want_vmax(n);
    for (std::size_t i = 0; i < n; ++i) {
      double p = p0[i], g = grad[i];
      if (c.decoupled) p *= c.decay_factor;
      else g += double(c.decay) * p;
      want_m[i] = double(c.beta1) * m0[i] + double(c.one_minus_beta1) * g;
      want_v[i] = double(c.beta2) * v0[i] + double(c.one_minus_beta2) * g * g;
      want_vmax[i] = std::max(double(vmax0[i]), want_v[i]);
      double second = variant.amsgrad ? want_vmax[i] : want_v[i];
      want_p[i] = p - double(c.step_size) * want_m[i] / (std::sqrt(second) / double(c.bc2_sqrt) + double(c.eps));
    }
    for (detail::Isa isa : detail::supported_isas()) {
      std::vector<float> p = p0, m = m0, v = v0, vmax = vmax0;
      detail::simd_kernels(isa).adam_update(p.data(), grad.data(), m.data(), v.data(),
                                            variant.amsgrad ? vmax.data() : nullptr, n, c);
      std::string what = isa_label(isa, variant.name);
      check_close(what + " p", p, want_p);
      check_close(what + " exp_avg", m, want_m);
      check_close(what + " exp_avg_sq", v, want_v);
      if (variant.amsgrad) check_close(what + " max_exp_avg_sq", vmax, want_vmax);
      else CHECK(vmax == vmax0);
    }
  }
}
