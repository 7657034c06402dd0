// BCEWithLogitsLoss's kernels compiled for each instruction set this CPU has
// (detail/loss_kernels_isa.cpp) against its formulas in double, with and without weight and
// pos_weight, each upstream form, on lengths that leave every vector width (4, 8, 16) a tail, and
// at logits far out (±100, ±1e4) and not finite, where they must do what the scalar formula does.
// The op's PyTorch fixtures and gradchecks (tests/losses/test_bce.cpp) check the wiring.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "support/kernel_inputs.hpp"
#include "support/testing.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

using namespace xtgrad;
using testing::spread;

namespace {

// One element's loss and gradient factor d = lw·σ(z) − p·y in double, with a tolerance of a few
// float roundings of the terms each is made of (they may cancel, as (1 − y)·z against softplus).
struct Element {
  double loss, loss_tol, d, d_tol;
};

Element reference(double z, double y, double w, double p) {
  const double lw = 1 + (p - 1) * y, softplus = std::max(-z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
  const double sigma = 1 / (1 + std::exp(-z)), u = 1e-6;
  const double loss_terms = std::fabs((1 - y) * z) + std::fabs(lw * softplus);
  const double d_terms = std::fabs(lw * sigma) + std::fabs(p * y);
  return {w * ((1 - y) * z + lw * softplus), u * std::fabs(w) * loss_terms + 1e-30, w * (lw * sigma - p * y),
          u * std::fabs(w) * d_terms + 1e-30};
}

void check_near(const std::string& what, std::size_t i, float got, double want, double tol) {
  INFO(what << "[" << i << "]: " << got << ", expected " << want << " within " << tol);
  CHECK(std::fabs(got - want) <= tol);
}

// NaN where the scalar formula gives NaN, the same infinity, else within a few roundings.
void check_like_scalar(float got, float want) {
  if (std::isnan(want)) CHECK(std::isnan(got));
  else if (std::isinf(want)) CHECK(got == want);
  else CHECK(got == doctest::Approx(want).epsilon(1e-6));
}

}  // namespace

TEST_CASE("BCE-with-logits kernels: losses, their sum and gradients against double, for each instruction set") {
  for (std::size_t n : {1, 3, 7, 8, 15, 16, 17, 33, 64, 100}) {
    const std::vector<float> z = spread(n, 0.3f, -9.0f, 9.0f), y = spread(n, 1.1f, 0.0f, 1.0f);
    const std::vector<float> w = spread(n, 2.0f, 0.2f, 2.0f), pw = spread(n, 0.7f, 0.5f, 4.0f);
    const std::vector<float> up = spread(n, 1.9f, -1.5f, 1.5f), acc0 = spread(n, 0.4f, -1.0f, 1.0f);
    for (bool weighted : {false, true})
      for (bool positive : {false, true}) {
        std::vector<Element> ref;
        double ref_sum = 0, sum_tol = 0;
        for (std::size_t i = 0; i < n; ++i) {
          ref.push_back(reference(z[i], y[i], weighted ? w[i] : 1.0, positive ? pw[i] : 1.0));
          ref_sum += ref[i].loss, sum_tol += ref[i].loss_tol;
        }
        const float* wd = weighted ? w.data() : nullptr;
        const float* pd = positive ? pw.data() : nullptr;
        for (detail::Isa isa : detail::supported_isas()) {
          const detail::SimdKernels& k = detail::simd_kernels(isa);
          std::string what = std::string(detail::isa_name(isa)) + " n " + std::to_string(n) +
                             (weighted ? " weight" : "") + (positive ? " pos_weight" : "");
          CAPTURE(what);
          std::vector<float> loss(n);
          double total = -1;
          k.bce_with_logits_forward(z.data(), y.data(), wd, pd, loss.data(), &total, n);
          for (std::size_t i = 0; i < n; ++i) check_near(what + " loss", i, loss[i], ref[i].loss, ref[i].loss_tol);
          double in_order = 0;  // the sum is of the same losses, in double, in element order
          for (float l : loss) in_order += l;
          CHECK(total == in_order);
          CHECK(std::fabs(total - ref_sum) <= sum_tol);
          double sum_only = -1;  // the sum alone: the same
          k.bce_with_logits_forward(z.data(), y.data(), wd, pd, nullptr, &sum_only, n);
          CHECK(sum_only == total);
          // Per-element upstream, written; a scalar one, added to earlier gradients.
          std::vector<float> dz(n, 123.0f), acc = acc0;
          k.bce_with_logits_backward(z.data(), y.data(), wd, pd, up.data(), 0.0f, false, dz.data(), n);
          k.bce_with_logits_backward(z.data(), y.data(), wd, pd, nullptr, 0.25f, true, acc.data(), n);
          for (std::size_t i = 0; i < n; ++i) {
            check_near(what + " dz", i, dz[i], ref[i].d * up[i], ref[i].d_tol * std::fabs(up[i]));
            check_near(what + " accumulated dz", i, acc[i], acc0[i] + ref[i].d * 0.25,
                       ref[i].d_tol * 0.25 + 1e-7 * std::fabs(acc0[i]));
          }
        }
      }
  }
}

TEST_CASE("BCE-with-logits kernels: far-out and non-finite logits behave as the scalar formula") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> z, y;
  for (float v : {-1e4f, -100.0f, -30.0f, 30.0f, 100.0f, 1e4f, -inf, inf, nan})
    for (float t : {0.0f, 0.25f, 1.0f}) z.push_back(v), y.push_back(t);
  const std::size_t n = z.size();
  const std::vector<float> pw(n, 3.0f);
  for (detail::Isa isa : detail::supported_isas()) {
    const detail::SimdKernels& k = detail::simd_kernels(isa);
    for (bool positive : {false, true}) {
      std::string what = std::string(detail::isa_name(isa)) + (positive ? " pos_weight" : "");
      CAPTURE(what);
      const float* pd = positive ? pw.data() : nullptr;
      std::vector<float> loss(n), dz(n);
      k.bce_with_logits_forward(z.data(), y.data(), nullptr, pd, loss.data(), nullptr, n);
      k.bce_with_logits_backward(z.data(), y.data(), nullptr, pd, nullptr, 1.0f, false, dz.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        INFO("z " << z[i] << ", y " << y[i] << ": loss " << loss[i] << ", dz " << dz[i]);
        const float p = positive ? 3.0f : 1.0f, lw = 1.0f + (p - 1.0f) * y[i];
        // The op's former scalar loop: (1 − y)·z + lw·(max(−z, 0) + log1p(e^−|z|)), lw·σ(z) − p·y.
        const float x = z[i];
        const float softplus = std::fmax(-x, 0.0f) + std::log1p(std::exp(-std::fabs(x)));
        const float e = std::exp(-std::fabs(x)), sigma = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
        const float want_loss = (1.0f - y[i]) * x + lw * softplus, want_d = lw * sigma - p * y[i];
        check_like_scalar(loss[i], want_loss);
        check_like_scalar(dz[i], want_d);
        if (std::isfinite(x)) CHECK(std::isfinite(loss[i]));  // e^−|z| <= 1: nothing overflows
      }
    }
  }
}
