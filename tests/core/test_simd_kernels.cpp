// The vectorised kernels compiled for each instruction set this CPU has (sse2, avx2, avx512)
// against closed forms in double (the Mersenne Twister against std::mt19937_64, dropout's mask
// against its draws), and the XTGRAD_ISA
// choice with its errors.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/kernel_inputs.hpp"
#include "support/testing.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

using namespace xtgrad;
using detail::Pointwise;
using detail::PointwiseFn;
using testing::close_to_double;
using testing::sigmoid_in_double;

namespace {

// A grid across every branch and kink (0, ±1, hardtanh's bounds, softplus's βx = threshold at
// 2.5), far tails included; 69 values, so every vector width leaves a tail.
std::vector<float> inputs() {
  std::vector<float> x{-1000.0f, 1000.0f, -88.0f, 88.0f, -30.0f, 30.0f, 0.0f, 1e-4f, -1e-4f, 2.5f, -1.0f, 1.0f};
  for (int i = 0; i <= 56; ++i) x.push_back(-8.0f + 16.0f * static_cast<float>(i) / 56.0f);
  return x;
}

struct Reference {
  const char* name;
  PointwiseFn fn;
  std::function<double(double)> f, df;
};

constexpr double kSqrt2OverPi = 0.79788456080286535588;

// Each function and its derivative in double, with PyTorch's conventions at the kinks (the
// slope of the z > 0 side is taken only for z > 0; hardtanh passes gradient strictly inside).
std::vector<Reference> references() {
  return {
      {"sigmoid",
       {Pointwise::Sigmoid},
       sigmoid_in_double,
       [](double z) { return sigmoid_in_double(z) * (1 - sigmoid_in_double(z)); }},
      {"tanh",
       {Pointwise::Tanh},
       [](double z) { return std::tanh(z); },
       [](double z) { return 1 - std::tanh(z) * std::tanh(z); }},
      {"relu", {Pointwise::Relu}, [](double z) { return z > 0 ? z : 0.0; }, [](double z) { return z > 0 ? 1.0 : 0.0; }},
      {"leaky_relu",
       {Pointwise::LeakyRelu, 0.1f},
       [](double z) { return z > 0 ? z : 0.1f * z; },
       [](double z) { return z > 0 ? 1.0 : double(0.1f); }},
      {"elu",
       {Pointwise::Elu, 1.5f},
       [](double z) { return z > 0 ? z : 1.5 * std::expm1(z); },
       [](double z) { return z > 0 ? 1.0 : 1.5 * std::exp(z); }},
      {"gelu",
       {Pointwise::GeluErf},
       [](double z) { return 0.5 * z * (1 + std::erf(z / std::sqrt(2.0))); },
       [](double z) {
         return 0.5 * (1 + std::erf(z / std::sqrt(2.0))) + z * std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
       }},
      {"gelu tanh",
       {Pointwise::GeluTanh},
       [](double z) { return 0.5 * z * (1 + std::tanh(kSqrt2OverPi * (z + 0.044715 * z * z * z))); },
       [](double z) {
         double t = std::tanh(kSqrt2OverPi * (z + 0.044715 * z * z * z));
         return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * kSqrt2OverPi * (1 + 3 * 0.044715 * z * z);
       }},
      {"silu",
       {Pointwise::Silu},
       [](double z) { return z * sigmoid_in_double(z); },
       [](double z) { return sigmoid_in_double(z) * (1 + z * (1 - sigmoid_in_double(z))); }},
      {"softplus",
       {Pointwise::Softplus, 2.0f, 5.0f},
       [](double z) { return 2 * z > 5 ? z : std::log1p(std::exp(2 * z)) / 2; },
       [](double z) { return 2 * z > 5 ? 1.0 : sigmoid_in_double(2 * z); }},
      {"hardtanh",
       {Pointwise::Hardtanh, -1.0f, 2.5f},
       [](double z) { return std::min(std::max(z, -1.0), 2.5); },
       [](double z) { return z > -1 && z < 2.5 ? 1.0 : 0.0; }},
      {"exp", {Pointwise::Exp}, [](double z) { return std::exp(z); }, [](double z) { return std::exp(z); }},
  };
}

std::string describe(const std::string& what, float z, double got, double want) {
  return what + " at " + std::to_string(z) + ": " + std::to_string(got) + ", expected " + std::to_string(want);
}

// Runs every reference's kernel forward and gradient from the input on each instruction set,
// and hands the results to check(what, reference, y, dx).
template <class Check>
void pointwise_on_every_isa(const std::vector<float>& x, const std::vector<float>& g, Check check) {
  std::vector<float> y(x.size()), dx(x.size());
  for (detail::Isa isa : detail::supported_isas()) {
    const detail::SimdKernels& k = detail::simd_kernels(isa);
    for (const Reference& r : references()) {
      std::string what = std::string(detail::isa_name(isa)) + " " + r.name;
      CAPTURE(what);
      k.forward(r.fn, x.data(), y.data(), x.size());
      k.grad_from_input(r.fn, g.data(), x.data(), dx.data(), x.size());
      check(what, r, y, dx);
    }
  }
}

}  // namespace

TEST_CASE("simd kernels: every pointwise function and its gradient, for each instruction set") {
  std::vector<float> x = inputs(), g(x.size());
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = 0.5f + 0.01f * static_cast<float>(i);  // upstream
  pointwise_on_every_isa(x, g, [&](const std::string& what, const Reference& r, const auto& y, const auto& dx) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      double want = r.f(x[i]), want_grad = g[i] * r.df(x[i]);
      INFO(describe(what, x[i], y[i], want));
      CHECK(close_to_double(y[i], want));
      INFO(describe(what + "'", x[i], dx[i], want_grad));
      CHECK(close_to_double(dx[i], want_grad));
    }
  });
  for (detail::Isa isa : detail::supported_isas()) {  // σ and tanh saturate exactly, without NaN, far out
    CAPTURE(detail::isa_name(isa));
    const detail::SimdKernels& k = detail::simd_kernels(isa);
    std::vector<float> far{-1000.0f, 1000.0f}, out(2);
    k.forward({Pointwise::Sigmoid}, far.data(), out.data(), 2);
    CHECK(out == std::vector<float>{0.0f, 1.0f});
    k.forward({Pointwise::Tanh}, far.data(), out.data(), 2);
    CHECK(out == std::vector<float>{-1.0f, 1.0f});
  }
}

TEST_CASE("simd kernels: NaN in, NaN out, and PyTorch's slope at NaN, for each instruction set") {
  // torch 1.13 at x = nan: every function gives nan; the gradient is nan too except where the
  // kernel's test "x <= 0" (hardtanh: x <= min or x >= max) fails and passes g on: relu, elu and
  // hardtanh give g, leaky_relu (x > 0 fails) negative_slope·g.
  std::vector<float> x(19, 0.5f), g(19, 1.5f);
  const std::vector<std::size_t> nans = {0, 7, 16, 18};  // in full vectors and in every tail
  for (std::size_t i : nans) x[i] = NAN;
  pointwise_on_every_isa(x, g, [&](const std::string&, const Reference& r, const auto& y, const auto& dx) {
    const std::string name = r.name;
    const double slope = name == "relu" || name == "elu" || name == "hardtanh" ? 1.0
                         : name == "leaky_relu"                                ? double(0.1f)
                                                                               : NAN;
    for (std::size_t i : nans) {
      CAPTURE(i);
      CHECK(std::isnan(y[i]));
      if (std::isnan(slope)) CHECK(std::isnan(dx[i]));
      else CHECK(dx[i] == doctest::Approx(1.5 * slope));
    }
  });
  std::vector<float> y(x.size()), dx(x.size());
  for (detail::Isa isa : detail::supported_isas()) {  // relu's gradient from its saved output
    CAPTURE(detail::isa_name(isa));
    const detail::SimdKernels& k = detail::simd_kernels(isa);
    k.forward({Pointwise::Relu}, x.data(), y.data(), x.size());
    k.grad_from_output(Pointwise::Relu, g.data(), y.data(), dx.data(), x.size());
    for (std::size_t i : nans) CHECK(dx[i] == 1.5f);
  }
}

TEST_CASE("simd kernels: gradients from the saved output of sigmoid, tanh and relu, for each instruction set") {
  std::vector<float> x = inputs(), g(x.size(), 1.5f), y(x.size()), dx(x.size());
  for (detail::Isa isa : detail::supported_isas()) {
    const detail::SimdKernels& k = detail::simd_kernels(isa);
    for (Pointwise f : {Pointwise::Sigmoid, Pointwise::Tanh, Pointwise::Relu}) {
      std::string what = std::string(detail::isa_name(isa)) + " function " + std::to_string(static_cast<int>(f));
      CAPTURE(what);
      k.forward({f}, x.data(), y.data(), x.size());
      k.grad_from_output(f, g.data(), y.data(), dx.data(), x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        double s = y[i];  // the derivative in terms of the output the kernel saw
        double slope = f == Pointwise::Sigmoid ? s * (1 - s) : f == Pointwise::Tanh ? 1 - s * s : (s > 0 ? 1 : 0);
        double want = 1.5 * slope;
        INFO(describe(what + "'", x[i], dx[i], want));
        CHECK(close_to_double(dx[i], want));
      }
    }
  }
}

TEST_CASE("simd kernels: column sums, for each instruction set") {
  for (std::size_t n : {0, 1, 3, 15, 16, 17, 64, 100, 1001}) {
    std::vector<float> a(n), b(n);
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = std::sin(0.37f * static_cast<float>(i)) + 0.25f;
      b[i] = std::cos(0.11f * static_cast<float>(i));
    }
    for (detail::Isa isa : detail::supported_isas()) {
      const detail::SimdKernels& k = detail::simd_kernels(isa);
      std::string what = std::string(detail::isa_name(isa)) + " n=" + std::to_string(n);
      CAPTURE(what);
      // a as [rows, cols] for every split of n, each column summed in row order: the same float
      // additions as a plain loop, so the same bits; and the band of columns from 1 to cols - 1
      // (rows ld = cols apart), as a thread sums its share of them
      for (std::size_t cols = 1; cols <= n; ++cols) {
        if (n % cols != 0) continue;
        std::vector<float> acc(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(cols)), want = acc;
        for (std::size_t r = 0; r < n / cols; ++r)
          for (std::size_t c = 0; c < cols; ++c) want[c] += a[r * cols + c];
        k.add_column_sums(a.data(), n / cols, cols, cols, acc.data());
        CHECK(acc == want);
        if (cols < 2) continue;
        std::vector<float> band(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(cols)), band_want = band;
        for (std::size_t r = 0; r < n / cols; ++r)
          for (std::size_t c = 1; c < cols; ++c) band_want[c] += a[r * cols + c];
        k.add_column_sums(a.data() + 1, n / cols, cols - 1, cols, band.data() + 1);
        CHECK(band == band_want);
      }
    }
  }
}

namespace {
// std::mt19937_64's state words as its text gives them (libstdc++: the n words, then the index).
std::vector<std::uint64_t> engine_words(const std::mt19937_64& engine) {
  std::stringstream text;
  text << engine;
  std::vector<std::uint64_t> words(detail::kMt64StateWords);
  for (std::uint64_t& w : words) text >> w;
  return words;
}
}  // namespace

TEST_CASE("simd kernels: the Mersenne Twister's block regeneration is std::mt19937_64's, for each instruction set") {
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{5489}, std::uint64_t{20261130}, ~std::uint64_t{0}}) {
    std::mt19937_64 engine(seed);
    std::vector<std::uint64_t> block = engine_words(engine);  // as seeded, before any draw
    std::vector<std::vector<std::uint64_t>> want;             // the state after each of three blocks of draws
    for (int b = 0; b < 3; ++b) {
      engine.discard(detail::kMt64StateWords);
      want.push_back(engine_words(engine));
    }
    for (detail::Isa isa : detail::supported_isas()) {
      CAPTURE(detail::isa_name(isa));
      CAPTURE(seed);
      std::vector<std::uint64_t> words = block;
      for (const std::vector<std::uint64_t>& expected : want) {
        detail::simd_kernels(isa).mt19937_64_twist(words.data());
        CHECK(words == expected);
      }
    }
  }
}

TEST_CASE("simd kernels: dropout's mask from 64-bit draws, and products, for each instruction set") {
  std::mt19937_64 engine(11);
  for (std::size_t n : {0, 1, 2, 3, 15, 16, 17, 33, 100}) {
    std::vector<std::uint64_t> bits((n + 1) / 2);
    for (std::uint64_t& w : bits) w = engine();
    std::vector<float> x(n), b(n);
    for (std::size_t i = 0; i < n; ++i)
      x[i] = std::sin(0.37f * static_cast<float>(i)) * 3.0f, b[i] = std::cos(0.11f * static_cast<float>(i));
    for (float p : {0.0f, 0.1f, 0.5f, 0.9f, 1.0f}) {
      const float scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
      // In double: value i's uniform is bits 8-31 of its half (the low one for even i) over 2^24,
      // exact; products of two floats are exact in double, so rounding them gives the float product.
      std::vector<float> want_mask(n), want_y(n);
      for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t half = (i % 2 == 0 ? bits[i / 2] : bits[i / 2] >> 32) & 0xffffffffULL;
        double u = std::ldexp(static_cast<double>(half >> 8), -24);
        want_mask[i] = u >= p ? scale : 0.0f;
        want_y[i] = static_cast<float>(double(x[i]) * want_mask[i]);
      }
      for (detail::Isa isa : detail::supported_isas()) {
        CAPTURE(detail::isa_name(isa));
        CAPTURE(n);
        CAPTURE(p);
        std::vector<float> mask(n), y(n);
        detail::simd_kernels(isa).dropout_forward(bits.data(), n, p, scale, x.data(), mask.data(), y.data());
        CHECK(mask == want_mask);
        CHECK(y == want_y);
      }
    }
    for (detail::Isa isa : detail::supported_isas()) {
      std::vector<float> out(n);
      detail::simd_kernels(isa).multiply(x.data(), b.data(), out.data(), n);
      for (std::size_t i = 0; i < n; ++i) CHECK(out[i] == static_cast<float>(double(x[i]) * b[i]));
    }
  }
}

TEST_CASE("simd kernels: XTGRAD_ISA picks an instruction set the CPU has, and refuses others") {
  std::vector<detail::Isa> have = detail::supported_isas();
  REQUIRE_FALSE(have.empty());
  CHECK(have.front() == detail::Isa::Sse2);
  CHECK(detail::choose_isa(nullptr) == have.back());
  CHECK(detail::choose_isa("") == have.back());
  for (detail::Isa isa : have) CHECK(detail::choose_isa(detail::isa_name(isa)) == isa);
  CHECK_THROWS_WITH_AS(detail::choose_isa("avx"), "XTGRAD_ISA: expected sse2, avx2 or avx512, got 'avx'",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(detail::choose_isa("AVX2"), "XTGRAD_ISA: expected sse2, avx2 or avx512, got 'AVX2'",
                       std::invalid_argument);
  if (!detail::cpu_supports(detail::Isa::Avx512))
    CHECK_THROWS_WITH_AS(detail::choose_isa("avx512"), doctest::Contains("this CPU cannot run 'avx512'"),
                         std::invalid_argument);
  // What the ops run with is what build_info reports, and XTGRAD_ISA when it is set.
  const char* forced = std::getenv("XTGRAD_ISA");
  CHECK(build_info().simd == detail::isa_name(detail::active_isa()));
  CHECK(build_info().simd == (forced && *forced ? std::string(forced) : detail::isa_name(have.back())));
}
