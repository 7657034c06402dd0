// Activations: closed-form values, the stable extremes, and gradients.
#include <functional>

#include "support/testing.hpp"

using namespace xtgrad;
using Inputs = std::vector<Tensor>;

namespace {
// References in double from the closed forms.
double sigma(double z) { return 1.0 / (1.0 + std::exp(-z)); }
const std::vector<float> kPoints = {-6, -4, -2, -1, 0, 1, 2, 4, 6};
}  // namespace

TEST_CASE("sigmoid: values and derivative against the closed form") {
  Tensor z = Tensor(Array::from_shape({kPoints.size()}), true);
  std::copy(kPoints.begin(), kPoints.end(), z.mutable_value().begin());
  Tensor s = sigmoid(z);
  sum(s).backward();
  for (std::size_t i = 0; i < kPoints.size(); ++i) {
    CAPTURE(kPoints[i]);
    double ref = sigma(kPoints[i]);
    CHECK(s.value()(i) == doctest::Approx(ref).epsilon(1e-6));
    CHECK(z.grad()(i) == doctest::Approx(ref * (1.0 - ref)).epsilon(1e-6));
  }
  // The values the issue quotes, to their printed precision.
  CHECK(s.value()(0) == doctest::Approx(0.002473).epsilon(1e-3));
  CHECK(z.grad()(4) == 0.25f);
  CHECK(s.value()(6) == doctest::Approx(0.880797).epsilon(1e-6));
}

TEST_CASE("sigmoid: symmetry, extremes, and tanh(z) = 2σ(2z) − 1") {
  Tensor z = tensor({-6, -2.5f, -0.5f, 0, 0.5f, 2.5f, 6});
  CHECK_ALL_CLOSE(sigmoid(-z).value(), (1.0f - sigmoid(z)).value(), 1e-6, 1e-7);
  CHECK_ALL_CLOSE(tanh(z).value(), (2.0f * sigmoid(2.0f * z) - 1.0f).value(), 1e-5, 1e-6);
  Tensor big = tensor({-1000.0f, 1000.0f, -88.0f, 88.0f, -1e30f, 1e30f}, true);
  Tensor s = sigmoid(big);
  CHECK(s.value()(0) == 0.0f);
  CHECK(s.value()(1) == 1.0f);
  CHECK(s.value()(4) == 0.0f);
  CHECK(s.value()(5) == 1.0f);
  sum(s).backward();
  for (float g : big.grad()) CHECK(std::isfinite(g));
  CHECK(big.grad()(0) == 0.0f);
}

TEST_CASE("tanh/relu/softplus/log_sigmoid: values") {
  Tensor z = tensor({-3, -1, 0, 1, 3});
  for (std::size_t i = 0; i < 5; ++i) {
    double x = z.value()(i);
    CHECK(tanh(z).value()(i) == doctest::Approx(std::tanh(x)).epsilon(1e-6));
    CHECK(relu(z).value()(i) == (x > 0 ? x : 0));
    CHECK(softplus(z).value()(i) == doctest::Approx(std::log1p(std::exp(x))).epsilon(1e-6));
    CHECK(log_sigmoid(z).value()(i) == doctest::Approx(std::log(sigma(x))).epsilon(1e-6));
  }
}

TEST_CASE("softplus and log_sigmoid: finite at ±1000 with the right limits") {
  Tensor z = tensor({-1000.0f, 1000.0f}, true);
  Tensor sp = softplus(z);
  CHECK(sp.value()(0) == 0.0f);
  CHECK(sp.value()(1) == 1000.0f);
  Tensor ls = log_sigmoid(z);
  CHECK(ls.value()(0) == -1000.0f);
  CHECK(ls.value()(1) == 0.0f);
  sum(sp + ls).backward();
  CHECK(z.grad()(0) == 1.0f);  // σ(−1000) + σ(1000) = 0 + 1
  CHECK(z.grad()(1) == 1.0f);  // σ(1000) + σ(−1000) = 1 + 0
}

TEST_CASE("activations: gradients, including the tails") {
  Generator gen(5);
  Inputs mid{rand({4, 5}, gen, -3.0f, 3.0f, true)};
  Inputs tails{tensor({-12.0f, -7.5f, 7.5f, 12.0f}, true)};
  for (const Inputs& in : {mid, tails}) {
    CHECK_GRADCHECK([](const Inputs& v) { return sigmoid(v[0]); }, in);
    CHECK_GRADCHECK([](const Inputs& v) { return tanh(v[0]); }, in);
    CHECK_GRADCHECK([](const Inputs& v) { return softplus(v[0]); }, in);
    CHECK_GRADCHECK([](const Inputs& v) { return log_sigmoid(v[0]); }, in);
  }
  Inputs away_from_kink{tensor({-2.0f, -0.3f, 0.2f, 1.7f}, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return relu(v[0]); }, away_from_kink);
}

TEST_CASE("sigmoid and tanh: the vectorised kernels agree with the closed forms for every length, tails included") {
  Generator gen(17);
  for (std::size_t n = 1; n <= 70; n += 3) {
    CAPTURE(n);
    Tensor z = rand({n}, gen, -9.0f, 9.0f, true);
    Tensor s = sigmoid(z), t = tanh(z);
    sum(s + t).backward();
    for (std::size_t i = 0; i < n; ++i) {
      double x = z.value()(i), ref_s = sigma(x), ref_t = std::tanh(x);
      CHECK(s.value()(i) == doctest::Approx(ref_s).epsilon(2e-6));
      CHECK(t.value()(i) == doctest::Approx(ref_t).epsilon(2e-6));
      CHECK(z.grad()(i) == doctest::Approx(ref_s * (1 - ref_s) + 1 - ref_t * ref_t).epsilon(1e-5));
    }
  }
}

TEST_CASE("relu, elu, hardtanh, leaky_relu: NaN passes through, with PyTorch's slopes at NaN and the kinks") {
  // Expected: torch 1.13, y = f(x); y.sum().backward() for x = [nan, -1, 0, 0.25, 0.5, 2] with
  // F.relu, F.elu(x, 0.5), F.hardtanh(x, -3, 0.5), F.leaky_relu(x, 0.1); nan is NaN with slope 1
  // (0.1 for leaky_relu), as PyTorch's kernels test "x <= 0" (or x <= min, x >= max) to stop g.
  const std::vector<float> xs = {NAN, -1.0f, 0.0f, 0.25f, 0.5f, 2.0f};
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    std::vector<float> y, dy;
  };
  const std::vector<Case> cases = {
      {"relu", [](const Tensor& x) { return relu(x); }, {NAN, 0, 0, 0.25f, 0.5f, 2}, {1, 0, 0, 1, 1, 1}},
      {"elu",
       [](const Tensor& x) { return elu(x, 0.5f); },
       {NAN, -0.31606027483940125f, 0, 0.25f, 0.5f, 2},
       {1, 0.18393972516059875f, 0.5f, 1, 1, 1}},
      {"hardtanh",
       [](const Tensor& x) { return hardtanh(x, -3.0f, 0.5f); },
       {NAN, -1, 0, 0.25f, 0.5f, 0.5f},
       {1, 1, 1, 1, 0, 0}},
      {"leaky_relu",
       [](const Tensor& x) { return leaky_relu(x, 0.1f); },
       {NAN, -0.1f, 0, 0.25f, 0.5f, 2},
       {0.1f, 0.1f, 0.1f, 1, 1, 1}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Tensor x = tensor(xs, {xs.size()}, true);
    Tensor y = c.f(x);
    sum(y).backward();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      CAPTURE(i);
      if (std::isnan(c.y[i])) CHECK(std::isnan(y.value()(i)));
      else CHECK(y.value()(i) == doctest::Approx(c.y[i]).epsilon(1e-6));
      CHECK(x.grad()(i) == doctest::Approx(c.dy[i]).epsilon(1e-6));
    }
  }
}
