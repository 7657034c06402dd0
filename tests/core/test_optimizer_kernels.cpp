// Adam's and SGD's updates compiled for each instruction set this CPU has
// (detail/recurrent_kernels_isa.cpp) against PyTorch 1.13, 10 steps on 301 values (a tail on every
// vector width). PyTorch's a.add_(b, alpha=s) and addcmul_ are fused multiply-adds on AVX2 and
// AVX-512 CPUs, so the reference here is its order of operations with std::fma: the kernels must
// give its bits on every ISA with FMA, and come within 1e-6 of each tensor's largest value on SSE2,
// which has none. The reference is tied to PyTorch by the float64 sums, in element order, of each
// final tensor, printed by tests/core/optimizer_kernels_torch.py under /usr/bin/python3 (torch
// 1.13.1): the same to the last bit, where a 1-ulp change of almost any element changes them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "support/kernel_inputs.hpp"
#include "support/testing.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

using namespace xtgrad;
using testing::optimizer_grad;
using testing::optimizer_grid;
using testing::sum_in_order;

namespace {

constexpr std::size_t kOptimizerValues = 301, kOptimizerSteps = 10;

// One of a run's final tensors against the reference's: the same bits where the ISA has an FMA.
void check_optimizer_values(detail::Isa isa, const std::string& what, const std::vector<float>& got,
                            const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  float largest = 0.0f;
  for (float w : want) largest = std::max(largest, std::fabs(w));
  const float tolerance = isa == detail::Isa::Sse2 ? 1e-6f * largest : 0.0f;
  std::size_t differing = 0, first = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= tolerance) && differing++ == 0) first = i;
  std::ostringstream report;  // 9 digits tell any two floats apart
  report << std::setprecision(9) << detail::isa_name(isa) << " " << what << ": " << differing
         << " values differ, first [" << first << "]: " << got[first] << " against " << want[first];
  INFO(report.str());
  CHECK(differing == 0);
}

// The constants of Adam's step `step` (from 1) as optim/adam.cpp makes them from PyTorch's.
detail::AdamConstants adam_step_constants(double decay, bool decoupled, int step) {
  const double lr = 0.01, beta1 = 0.9, beta2 = 0.999;
  return {float(beta1),
          float(beta2),
          float(1.0 - beta1),
          float(1.0 - beta2),
          1e-8f,
          float(decay),
          float(1.0 - lr * decay),
          float(lr / (1.0 - std::pow(beta1, step))),
          float(std::sqrt(1.0 - std::pow(beta2, step))),
          decoupled};
}

// torch/optim/adam.py's single-tensor step, one rounding per operation and one per fused add.
void adam_reference_step(std::vector<float>& p, const std::vector<float>& grad, std::vector<float>& m,
                         std::vector<float>& v, std::vector<float>* vmax, const detail::AdamConstants& c) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    float g = grad[i];
    if (c.decoupled) p[i] *= c.decay_factor;                    // param.mul_(1 - lr * weight_decay)
    else if (c.decay != 0.0f) g = std::fma(p[i], c.decay, g);   // grad.add(param, alpha=weight_decay)
    m[i] = std::fma(g, c.one_minus_beta1, m[i] * c.beta1);      // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    v[i] = std::fma(c.one_minus_beta2 * g, g, v[i] * c.beta2);  // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, ...)
    float second = vmax ? ((*vmax)[i] = std::max((*vmax)[i], v[i])) : v[i];
    float denom = std::sqrt(second) / c.bc2_sqrt + c.eps;
    p[i] += -c.step_size * m[i] / denom;  // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
}

// torch/optim/sgd.py's single-tensor step, the same way.
void sgd_reference_step(std::vector<float>& p, const std::vector<float>& grad, std::vector<float>* buf,
                        const detail::SGDConstants& c) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    float d = grad[i];
    if (c.decay != 0.0f) d = std::fma(p[i], c.decay, d);  // d_p = grad.add(param, alpha=weight_decay)
    if (buf) {
      float& b = (*buf)[i];
      b = c.first ? d : std::fma(d, c.keep, b * c.momentum);  // buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
      d = c.nesterov ? std::fma(b, c.momentum, d) : b;        // d_p.add(buf, alpha=momentum)
    }
    p[i] = std::fma(d, -c.lr, p[i]);  // param.add_(d_p, alpha=-lr)
  }
}

}  // namespace

TEST_CASE("optimizer kernels: Adam's update is PyTorch's, bit for bit with an FMA, for each instruction set") {
  struct Variant {
    const char* name;
    double decay;
    bool decoupled, amsgrad;
    std::vector<double> torch_sums;  // p, exp_avg, exp_avg_sq, max_exp_avg_sq
  };
  const std::vector<Variant> variants{
      {"adam", 0.0, false, false, {-2.1101421397179365, -0.19046883075498044, 3.9959667802322656}},
      {"adam L2", 0.01, false, false, {-2.0743559105321765, -0.20008082780987024, 4.0070680858334526}},
      {"adam amsgrad",
       0.0,
       false,
       true,
       {-2.1102512758225203, -0.19046883075498044, 3.9959667802322656, 3.9960035339463502}},
      {"adamw", 0.01, true, false, {-2.108723365701735, -0.19046883075498044, 3.9959667802322656}}};
  for (const Variant& variant : variants) {
    const std::string name = variant.name;
    CAPTURE(name);
    const std::vector<float> zeros(kOptimizerValues, 0.0f);
    auto run = [&](auto update) {
      std::vector<std::vector<float>> state{optimizer_grid(0), zeros, zeros, zeros};  // p, m, v, vmax
      for (std::size_t t = 0; t < kOptimizerSteps; ++t)
        update(state, optimizer_grad(t), adam_step_constants(variant.decay, variant.decoupled, int(t) + 1));
      if (!variant.amsgrad) state.pop_back();
      return state;
    };
    const auto want = run([&](auto& s, const std::vector<float>& grad, const detail::AdamConstants& c) {
      adam_reference_step(s[0], grad, s[1], s[2], variant.amsgrad ? &s[3] : nullptr, c);
    });
    for (std::size_t k = 0; k < want.size(); ++k) CHECK(sum_in_order(want[k]) == variant.torch_sums[k]);
    for (detail::Isa isa : detail::supported_isas()) {
      const auto got = run([&](auto& s, const std::vector<float>& grad, const detail::AdamConstants& c) {
        detail::simd_kernels(isa).adam_update(s[0].data(), grad.data(), s[1].data(), s[2].data(),
                                              variant.amsgrad ? s[3].data() : nullptr, kOptimizerValues, c);
      });
      const char* names[] = {"p", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
      for (std::size_t k = 0; k < want.size(); ++k) check_optimizer_values(isa, name + " " + names[k], got[k], want[k]);
    }
  }
}

TEST_CASE("optimizer kernels: SGD's update is PyTorch's, bit for bit with an FMA, for each instruction set") {
  struct Variant {
    const char* name;
    double momentum, dampening, decay;
    bool nesterov;
    std::vector<double> torch_sums;  // p, momentum_buffer
  };
  const std::vector<Variant> variants{
      {"sgd", 0.0, 0.0, 0.0, false, {-0.6603514589369297}},
      {"sgd L2", 0.0, 0.0, 0.01, false, {-0.65335608646273613}},
      {"sgd momentum", 0.9, 0.0, 0.0, false, {2.5631270436570048, -1.9046831429004669}},
      {"sgd dampening L2", 0.9, 0.1, 0.01, false, {2.2070193151012063, -1.6781101464293897}},
      {"sgd nesterov L2", 0.9, 0.0, 0.001, true, {2.7321500601246953, -1.895929753780365}}};
  for (const Variant& variant : variants) {
    const std::string name = variant.name;
    CAPTURE(name);
    const bool momentum = variant.momentum != 0.0;
    auto run = [&](auto update) {
      std::vector<std::vector<float>> state{optimizer_grid(0), std::vector<float>(kOptimizerValues)};  // p, buf
      for (std::size_t t = 0; t < kOptimizerSteps; ++t) {
        // As optim/sgd.cpp makes them; the buffer is d_p itself at the first step.
        const detail::SGDConstants c{
            0.1f,  float(variant.momentum), float(1.0 - variant.dampening), float(variant.decay), variant.nesterov,
            t == 0};
        update(state, optimizer_grad(t), c);
      }
      if (!momentum) state.pop_back();
      return state;
    };
    const auto want = run([&](auto& s, const std::vector<float>& grad, const detail::SGDConstants& c) {
      sgd_reference_step(s[0], grad, momentum ? &s[1] : nullptr, c);
    });
    for (std::size_t k = 0; k < want.size(); ++k) CHECK(sum_in_order(want[k]) == variant.torch_sums[k]);
    for (detail::Isa isa : detail::supported_isas()) {
      const auto got = run([&](auto& s, const std::vector<float>& grad, const detail::SGDConstants& c) {
        detail::simd_kernels(isa).sgd_update(s[0].data(), grad.data(), momentum ? s[1].data() : nullptr,
                                             kOptimizerValues, c);
      });
      const char* names[] = {"p", "momentum_buffer"};
      for (std::size_t k = 0; k < want.size(); ++k) check_optimizer_values(isa, name + " " + names[k], got[k], want[k]);
    }
  }
}
