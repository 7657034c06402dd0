// The LSTM and GRU cells and Adam's and SGD's updates for one instruction set, built like
// detail/simd_kernels_isa.cpp (see its rules: no start-up code, nothing shared between copies);
// the functions are this ISA's, declared in isa_variants.hpp and put in its table there. A
// portable build runs the recurrent layers and the optimizers with the CPU's widest vectors this
// way. Each body is the layer's own loop, a batch of units at a time, in the same order of
// operations. PyTorch's a.add_(b, alpha=s) is one fused b·s + a on AVX2 and AVX-512 CPUs
// (vec::fmadd, and its scalar tail contracted alike), so each such add here is one fmadd.
#include <algorithm>
#include <cstddef>

#include "xtgrad/core/detail/isa_variants.hpp"
#include "xtgrad/core/detail/simd.hpp"

namespace xtgrad::detail::XTGRAD_KERNEL_NS {
namespace {

using A = XTGRAD_KERNEL_ARCH;
using B = Batch<A>;
constexpr std::size_t kWidth = B::size;

// One parameter's Adam update in a single pass, in PyTorch's order of operations. The variant
// flags are template arguments so the loop has no branches.
template <bool Decoupled, bool L2, bool Amsgrad>
void adam_pass(float* p, const float* grad, float* m, float* v, float* vmax, std::size_t n, const AdamConstants& c) {
  const B beta1(c.beta1), beta2(c.beta2), one_minus_beta1(c.one_minus_beta1), one_minus_beta2(c.one_minus_beta2),
      eps(c.eps), decay(c.decay), decay_factor(c.decay_factor), neg_step_size(-c.step_size), bc2_sqrt(c.bc2_sqrt);
  for (std::size_t i = 0; i < n; i += kWidth) {
    std::size_t lanes = std::min(kWidth, n - i);
    B pi = load_n<A>(p + i, lanes), g = load_n<A>(grad + i, lanes);
    B mi = load_n<A>(m + i, lanes), vi = load_n<A>(v + i, lanes);
    if (Decoupled) pi = mul_rounded(pi, decay_factor);  // param.mul_(1 - lr * weight_decay)
    if (L2) g = fmadd(decay, pi, g);
    mi = fmadd(one_minus_beta1, g, mi * beta1);
    vi = fmadd(one_minus_beta2 * g, g, vi * beta2);
    B second = vi;
    if (Amsgrad) {  // amsgrad keeps the max of the raw v
      second = xsimd::max(load_n<A>(vmax + i, lanes), vi);
      store_n(second, vmax + i, lanes);
    }
    B denom = xsimd::sqrt(second) / bc2_sqrt + eps;
    pi += neg_step_size * mi / denom;
    store_n(pi, p + i, lanes);
    store_n(mi, m + i, lanes);
    store_n(vi, v + i, lanes);
  }
}

}  // namespace

void lstm_cell_forward(float* a, const float* c_prev, float* c, float* h, std::size_t H) {
  for (std::size_t j = 0; j < H; j += kWidth) {
    std::size_t n = std::min(kWidth, H - j);
    B i = sigmoid_batch(load_n<A>(a + j, n)), f = sigmoid_batch(load_n<A>(a + H + j, n));
    B g = xsimd::tanh(load_n<A>(a + 2 * H + j, n)), o = sigmoid_batch(load_n<A>(a + 3 * H + j, n));
    B cn = f * load_n<A>(c_prev + j, n) + i * g;  // c' = f⊙c + i⊙g
    store_n(i, a + j, n), store_n(f, a + H + j, n), store_n(g, a + 2 * H + j, n), store_n(o, a + 3 * H + j, n);
    store_n(cn, c + j, n);
    store_n(o * xsimd::tanh(cn), h + j, n);  // h' = o⊙tanh(c')
  }
}

void lstm_cell_backward(const float* act, const float* c, const float* c_prev, const float* dh, const float* d_out,
                        float* dc, float* d_pre, std::size_t H) {
  const B one(1.0f);
  for (std::size_t j = 0; j < H; j += kWidth) {
    std::size_t n = std::min(kWidth, H - j);
    B i = load_n<A>(act + j, n), f = load_n<A>(act + H + j, n);
    B g = load_n<A>(act + 2 * H + j, n), o = load_n<A>(act + 3 * H + j, n);
    B dh_j = load_n<A>(dh + j, n);
    if (d_out) dh_j += load_n<A>(d_out + j, n);
    B tc = xsimd::tanh(load_n<A>(c + j, n));
    // h = o·tanh(c): dc gains dh·o·(1 − tanh²c); c = f·c_prev + i·g
    B dct = load_n<A>(dc + j, n) + dh_j * o * (one - tc * tc);
    store_n(dct * g * i * (one - i), d_pre + j, n);  // σ' = σ(1 − σ)
    store_n(dct * load_n<A>(c_prev + j, n) * f * (one - f), d_pre + H + j, n);
    store_n(dct * i * (one - g * g), d_pre + 2 * H + j, n);  // tanh' = 1 − tanh²
    store_n(dh_j * tc * o * (one - o), d_pre + 3 * H + j, n);
    store_n(dct * f, dc + j, n);
  }
}

void gru_cell_forward(float* gi, const float* gh, const float* b_hn, const float* h_prev, float* h, float* hn,
                      std::size_t H) {
  for (std::size_t j = 0; j < H; j += kWidth) {
    std::size_t k = std::min(kWidth, H - j);
    B r = sigmoid_batch(load_n<A>(gi + j, k) + load_n<A>(gh + j, k));
    B z = sigmoid_batch(load_n<A>(gi + H + j, k) + load_n<A>(gh + H + j, k));
    B hn_j = load_n<A>(gh + 2 * H + j, k);
    if (b_hn) hn_j += load_n<A>(b_hn + j, k);
    B n = xsimd::tanh(load_n<A>(gi + 2 * H + j, k) + r * hn_j);
    store_n(r, gi + j, k), store_n(z, gi + H + j, k), store_n(n, gi + 2 * H + j, k);
    store_n(hn_j, hn + j, k);
    store_n(n + z * (load_n<A>(h_prev + j, k) - n), h + j, k);  // h' = (1 − z)⊙n + z⊙h
  }
}

void gru_cell_backward(const float* act, const float* hn, const float* h_prev, float* dh, const float* d_out,
                       float* d_ih, float* d_hh, std::size_t H) {
  const B one(1.0f);
  for (std::size_t j = 0; j < H; j += kWidth) {
    std::size_t k = std::min(kWidth, H - j);
    B r = load_n<A>(act + j, k), z = load_n<A>(act + H + j, k), n = load_n<A>(act + 2 * H + j, k);
    B dh_j = load_n<A>(dh + j, k);
    if (d_out) dh_j += load_n<A>(d_out + j, k);
    // h' = n + z·(h − n): dn = dh·(1 − z), dz = dh·(h − n); n = tanh(a_n): da_n = dn·(1 − n²)
    B da_n = dh_j * (one - z) * (one - n * n);
    B da_r = da_n * load_n<A>(hn + j, k) * r * (one - r);  // a_n = gi_n + r·hn; σ' = σ(1 − σ)
    B da_z = dh_j * (load_n<A>(h_prev + j, k) - n) * z * (one - z);
    store_n(da_r, d_ih + j, k), store_n(da_z, d_ih + H + j, k), store_n(da_n, d_ih + 2 * H + j, k);
    store_n(da_r, d_hh + j, k), store_n(da_z, d_hh + H + j, k), store_n(da_n * r, d_hh + 2 * H + j, k);
    store_n(dh_j * z, dh + j, k);
  }
}

void adam_update(float* p, const float* grad, float* m, float* v, float* vmax, std::size_t n, const AdamConstants& c) {
  // AdamW decays p itself; otherwise a nonzero decay is L2, added to the gradient.
  auto pass = vmax ? (c.decoupled       ? adam_pass<true, false, true>
                      : c.decay != 0.0f ? adam_pass<false, true, true>
                                        : adam_pass<false, false, true>)
                   : (c.decoupled       ? adam_pass<true, false, false>
                      : c.decay != 0.0f ? adam_pass<false, true, false>
                                        : adam_pass<false, false, false>);
  pass(p, grad, m, v, vmax, n, c);
}

void sgd_update(float* p, const float* grad, float* buf, std::size_t n, const SGDConstants& c) {
  const B decay(c.decay), momentum(c.momentum), keep(c.keep), neg_lr(-c.lr);
  for (std::size_t i = 0; i < n; i += kWidth) {
    std::size_t lanes = std::min(kWidth, n - i);
    B pi = load_n<A>(p + i, lanes), d = load_n<A>(grad + i, lanes);
    if (c.decay != 0.0f) d = fmadd(decay, pi, d);  // d_p = grad.add(param, alpha=weight_decay)
    if (buf) {
      // buf.mul_(momentum).add_(d_p, alpha=1 - dampening), or a clone of d_p at the first step
      B b = c.first ? d : fmadd(keep, d, load_n<A>(buf + i, lanes) * momentum);
      store_n(b, buf + i, lanes);
      d = c.nesterov ? fmadd(momentum, b, d) : b;  // d_p.add(buf, alpha=momentum), or buf
    }
    store_n(fmadd(neg_lr, d, pi), p + i, lanes);  // param.add_(d_p, alpha=-lr)
  }
}

}  // namespace xtgrad::detail::XTGRAD_KERNEL_NS
