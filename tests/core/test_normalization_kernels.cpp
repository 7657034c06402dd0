// layer_norm's row kernels compiled for each instruction set this CPU has
// (detail/normalization_kernels_isa.cpp) against the same formulas in double, with and without
// γ and β and each gradient, on widths that leave every vector width (4, 8, 16) a tail. The
// layer's PyTorch fixtures and gradchecks (tests/layers/test_normalization.cpp) check the wiring.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/kernel_inputs.hpp"
#include "support/testing.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

using namespace xtgrad;
using testing::spread;

namespace {

constexpr std::size_t kRows = 4;
constexpr double kEps = 1e-5;

// x: rows of different offsets and scales, the last one constant (variance 0, so rstd = 1/√eps).
std::vector<float> rows_of(std::size_t width) {
  std::vector<float> x = spread(kRows * width, 0.3f, -2.0f, 3.0f);
  for (std::size_t r = 0; r < kRows; ++r)
    for (std::size_t j = 0; j < width; ++j) {
      float& v = x[r * width + j];
      v = r + 1 == kRows ? 0.75f : v * static_cast<float>(r + 1) + 0.5f * static_cast<float>(r);
    }
  return x;
}

// The formulas in double from the float inputs: per row, mean, rstd, x̂, d = g·γ and the three
// gradients (dgamma and dbeta accumulated from their initial values), and for each result the
// error a float computation may have: about n·2⁻²⁴ of the terms of a row sum of n terms.
struct NormalizationReference {
  std::vector<double> mean, rstd, y, dx, dgamma, dbeta;
  std::vector<double> tol_mean, tol_rstd, tol_y, tol_dx, tol_dgamma, tol_dbeta;
};

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double e : v) m = std::max(m, std::fabs(e));
  return m;
}

NormalizationReference normalization_reference(const std::vector<float>& x, const std::vector<float>& g,
                                               const std::vector<float>& gamma, const std::vector<float>& beta,
                                               std::size_t width, const std::vector<float>& acc0) {
  NormalizationReference ref;
  ref.dgamma.assign(acc0.begin(), acc0.end()), ref.dbeta = ref.dgamma;
  ref.tol_dgamma.assign(width, 1e-7), ref.tol_dbeta.assign(width, 1e-7);
  const double n = static_cast<double>(width), u = 8 * n * std::ldexp(1.0, -24);
  for (std::size_t r = 0; r < kRows; ++r) {
    const float* xr = x.data() + r * width;
    const float* gr = g.data() + r * width;
    std::vector<double> xs(xr, xr + width), xhat(width), d(width);
    double mean = 0, var = 0, mean_d = 0, mean_dx = 0;
    for (double v : xs) mean += v / n;
    for (double v : xs) var += (v - mean) * (v - mean) / n;
    const double rstd = 1 / std::sqrt(var + kEps);
    for (std::size_t j = 0; j < width; ++j) {
      xhat[j] = (xs[j] - mean) * rstd, d[j] = double(gr[j]) * gamma[j];
      mean_d += d[j] / n, mean_dx += d[j] * xhat[j] / n;
    }
    const double max_xhat = max_abs(xhat), max_d = max_abs(d);
    const double err_xhat = u * (rstd * max_abs(xs) + max_xhat);  // from mean's and rstd's errors
    ref.mean.push_back(mean), ref.tol_mean.push_back(u * max_abs(xs) + 1e-7);
    ref.rstd.push_back(rstd), ref.tol_rstd.push_back(u * rstd + 1e-7);
    for (std::size_t j = 0; j < width; ++j) {
      ref.y.push_back(xhat[j] * gamma[j] + beta[j]);
      ref.tol_y.push_back(err_xhat * gamma[j] + 1e-6);
      ref.dx.push_back(rstd * (d[j] - mean_d - xhat[j] * mean_dx));
      ref.tol_dx.push_back(rstd * (u * max_d * (1 + max_xhat) * (1 + max_xhat) + 2 * err_xhat * max_d) + 1e-6);
      ref.dgamma[j] += gr[j] * xhat[j], ref.dbeta[j] += gr[j];
      ref.tol_dgamma[j] += std::fabs(gr[j]) * err_xhat + 1e-6, ref.tol_dbeta[j] += 1e-6;
    }
  }
  return ref;
}

void check_close(const std::string& what, const std::vector<float>& got, const std::vector<double>& want,
                 const std::vector<double>& tolerance) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(what << "[" << i << "]: " << got[i] << ", expected " << want[i] << " within " << tolerance[i]);
    CHECK(std::fabs(got[i] - want[i]) <= tolerance[i]);
  }
}

}  // namespace

TEST_CASE("layer_norm kernels: forward and backward rows against double, for each instruction set") {
  for (std::size_t width : {1, 3, 15, 16, 17, 37, 64, 100, 513}) {
    const std::vector<float> x = rows_of(width), g = spread(kRows * width, 1.1f, -1.5f, 1.0f);
    const std::vector<float> gamma = spread(width, 2.0f, 0.5f, 1.5f), beta = spread(width, 0.7f, -0.3f, 0.2f);
    const std::vector<float> ones(width, 1.0f), zeros(width, 0.0f), acc0 = spread(width, 0.1f, -1.0f, 1.0f);
    for (bool affine : {true, false}) {
      // Without γ and β the kernels are given null, and the reference uses γ = 1, β = 0.
      const NormalizationReference ref =
          normalization_reference(x, g, affine ? gamma : ones, affine ? beta : zeros, width, acc0);
      for (detail::Isa isa : detail::supported_isas()) {
        const detail::SimdKernels& k = detail::simd_kernels(isa);
        std::string what = std::string(detail::isa_name(isa)) + " width " + std::to_string(width) +
                           (affine ? " with γ, β" : " without γ, β");
        CAPTURE(what);
        std::vector<float> y(x.size()), mean(kRows), rstd(kRows);
        k.layer_norm_forward(x.data(), kRows, width, kEps, affine ? gamma.data() : nullptr,
                             affine ? beta.data() : nullptr, y.data(), mean.data(), rstd.data());
        check_close(what + " mean", mean, ref.mean, ref.tol_mean);
        check_close(what + " rstd", rstd, ref.rstd, ref.tol_rstd);
        check_close(what + " y", y, ref.y, ref.tol_y);
        // The backward takes the kernel's own statistics, as the op saves them.
        std::vector<float> dx(x.size()), dgamma = acc0, dbeta = acc0;
        k.layer_norm_backward(g.data(), x.data(), kRows, width, mean.data(), rstd.data(),
                              affine ? gamma.data() : nullptr, dgamma.data(), dbeta.data(), dx.data());
        check_close(what + " dx", dx, ref.dx, ref.tol_dx);
        check_close(what + " dgamma", dgamma, ref.dgamma, ref.tol_dgamma);
        check_close(what + " dbeta", dbeta, ref.dbeta, ref.tol_dbeta);
        // Each gradient alone, the others null: the same values.
        std::vector<float> dx_only(x.size()), dgamma_only = acc0, dbeta_only = acc0;
        const float* gm = affine ? gamma.data() : nullptr;
        k.layer_norm_backward(g.data(), x.data(), kRows, width, mean.data(), rstd.data(), gm, nullptr, nullptr,
                              dx_only.data());
        k.layer_norm_backward(g.data(), x.data(), kRows, width, mean.data(), rstd.data(), gm, dgamma_only.data(),
                              nullptr, nullptr);
        k.layer_norm_backward(g.data(), x.data(), kRows, width, mean.data(), rstd.data(), gm, nullptr,
                              dbeta_only.data(), nullptr);
        CHECK(dx_only == dx);
        CHECK(dgamma_only == dgamma);
        CHECK(dbeta_only == dbeta);
      }
    }
  }
}
