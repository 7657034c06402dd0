// torch.nn.init equivalents: PyTorch's gains and fans (fixture), exact bounds, moments within a
// statistical tolerance, orthogonality.
#include <cmath>
#include <limits>

#include "support/fixtures.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

struct Moments {
  double mean = 0, std = 0, min = INFINITY, max = -INFINITY;
};

Moments moments(const Tensor& t) {
  Moments m;
  for (float v : t.value()) {
    m.mean += v;
    m.min = std::min<double>(m.min, v);
    m.max = std::max<double>(m.max, v);
  }
  m.mean /= static_cast<double>(t.numel());
  for (float v : t.value()) m.std += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(m.std / static_cast<double>(t.numel()));
  return m;
}

}  // namespace

TEST_CASE("init: calculate_gain and the fans match PyTorch") {
  const Json& f = load_fixture("ops_losses.json").at("init");
  for (const Json& g : f.at("gains")) {
    std::string name = g[0];
    CAPTURE(name);
    double value = g[1].is_null() ? calculate_gain(name) : calculate_gain(name, g[1].get<double>());
    CHECK(value == doctest::Approx(g[2].get<double>()).epsilon(1e-12));
  }
  for (const Json& c : f.at("fans")) {
    Fans fans = calculate_fans(zeros(c.at("shape").get<Shape>()));
    CHECK(fans.fan_in == c.at("fan_in").get<double>());
    CHECK(fans.fan_out == c.at("fan_out").get<double>());
  }
  // torch.nn.init.calculate_gain("conv_transpose1d") (and 2d, 3d) is 1 in torch 1.13; "conv_transpose4d" is
  // unsupported.
  for (const char* name : {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}) {
    CAPTURE(name);
    CHECK(calculate_gain(name) == 1.0);
  }
  CHECK_THROWS_AS(calculate_gain("conv_transpose4d"), std::invalid_argument);
  CHECK_THROWS_AS(calculate_fans(zeros({3})), std::invalid_argument);
  CHECK_THROWS_WITH_AS(calculate_gain("swish"), "calculate_gain: unsupported nonlinearity 'swish'",
                       std::invalid_argument);
}

TEST_CASE("init: uniform bounds are exact and the moments are PyTorch's") {
  Generator gen(11);
  Tensor w = zeros({200, 300, 2});  // fan_in 600, fan_out 400
  double n = static_cast<double>(w.numel());
  auto check_uniform = [&](double bound) {
    Moments m = moments(w);
    CHECK(m.min >= -bound);
    CHECK(m.max < bound);
    CHECK(m.max > 0.999 * bound);  // the whole range is used
    CHECK(std::fabs(m.mean) < 5.0 * bound / std::sqrt(3.0 * n));
    CHECK(m.std == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.01));
  };
  xavier_uniform_(w, 2.0, gen);
  check_uniform(2.0 * std::sqrt(6.0 / 1000.0));
  kaiming_uniform_(w, std::sqrt(5.0), FanMode::FanIn, "leaky_relu", gen);  // nn.Linear's: 1/√fan_in
  check_uniform(1.0 / std::sqrt(600.0));
  kaiming_uniform_(w, 0.0, FanMode::FanOut, "relu", gen);
  check_uniform(std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(400.0));
  uniform_(w, -0.5, 0.5, gen);
  check_uniform(0.5);
  auto check_normal = [&](double mean, double std) {
    Moments m = moments(w);
    CHECK(std::fabs(m.mean - mean) < 5.0 * std / std::sqrt(n));
    CHECK(m.std == doctest::Approx(std).epsilon(0.01));
  };
  xavier_normal_(w, 1.0, gen);
  check_normal(0.0, std::sqrt(2.0 / 1000.0));
  kaiming_normal_(w, 0.0, FanMode::FanIn, "relu", gen);
  check_normal(0.0, std::sqrt(2.0 / 600.0));
  normal_(w, 3.0, 0.1, gen);
  check_normal(3.0, 0.1);
  CHECK(constant_(w, 0.25).value()(7, 8, 1) == 0.25f);
  CHECK(zeros_(w).value() == xt::zeros<float>(w.shape()));
  CHECK(ones_(w).value()(0, 0, 0) == 1.0f);
}

TEST_CASE("init: uniform_ and normal_ refuse the bounds and std PyTorch refuses") {
  // torch 1.13: empty(3).uniform_(1, 0) 'expects to return a [from, to) range', uniform_(0, inf)
  // and uniform_(nan, 1) 'out of bounds for float', normal_(0, -1) and normal_(0, nan) 'expects
  // std >= 0.0'; xtgrad filled values from them before.
  Tensor t = zeros({3});
  CHECK_THROWS_WITH_AS(uniform_(t, 1.0, 0.0), "uniform_: expected low <= high, got low=1 high=0",
                       std::invalid_argument);
  CHECK_THROWS_AS(uniform_(t, 0.0, std::numeric_limits<double>::infinity()), std::invalid_argument);
  CHECK_THROWS_AS(uniform_(t, std::numeric_limits<double>::quiet_NaN(), 1.0), std::invalid_argument);
  CHECK_THROWS_AS(uniform_(t, 0.0, 1e39), std::invalid_argument);
  CHECK_THROWS_WITH_AS(normal_(t, 0.0, -1.0), "normal_: expected std >= 0, got -1", std::invalid_argument);
  CHECK_THROWS_AS(normal_(t, 0.0, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  CHECK(t.value() == Array{0, 0, 0});  // nothing written by a refused call
  uniform_(t, 2.0, 2.0);
  CHECK(t.value() == Array{2, 2, 2});
}

TEST_CASE("init: orthogonal_ gives orthonormal rows or columns, times the gain") {
  Generator gen(12);
  for (Shape shape : {Shape{6, 4}, Shape{4, 6}, Shape{5, 2, 3}, Shape{5, 5}}) {
    CAPTURE(shape_str(shape));
    Tensor w = zeros(shape);
    orthogonal_(w, 2.0, gen);
    std::size_t rows = shape[0], cols = w.numel() / rows;
    Array m = w.value();
    m.reshape({rows, cols});
    // The smaller Gram matrix (WᵀW for tall, WWᵀ for wide) is gain²·I.
    bool tall = rows >= cols;
    std::size_t k = tall ? cols : rows;
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j) {
        double dot = 0.0;
        for (std::size_t t = 0; t < (tall ? rows : cols); ++t)
          dot += tall ? static_cast<double>(m(t, i)) * m(t, j) : static_cast<double>(m(i, t)) * m(j, t);
        CHECK(dot / 4.0 == doctest::Approx(i == j ? 1.0 : 0.0).epsilon(1e-5).scale(1.0));
      }
  }
  Tensor v = zeros({3});
  CHECK_THROWS_AS(orthogonal_(v), std::invalid_argument);
}
