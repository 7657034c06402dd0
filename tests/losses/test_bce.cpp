// BCELoss and BCEWithLogitsLoss against PyTorch in every mode, extremes, gradchecks, errors.
#include <limits>

#include "support/fixtures.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;
using Inputs = std::vector<Tensor>;

namespace {
std::optional<Tensor> optional_tensor(const Json& j) {
  if (j.is_null()) return std::nullopt;
  return to_tensor(j);
}
}  // namespace

TEST_CASE("BCELoss: every case matches PyTorch (reductions, weights, p = 0 and 1, soft targets)") {
  for (const Json& c : fixture_cases("losses.json", "bce")) {
    std::string name = c.at("name");
    CAPTURE(name);
    Tensor x = to_tensor(c.at("input"), true);
    BCELoss loss_fn(reduction_from_string(c.at("reduction")), optional_tensor(c.at("weight")));
    Tensor loss = loss_fn(x, to_tensor(c.at("target")));
    CHECK_ALL_CLOSE(loss.value(), to_array(c.at("loss")));
    loss.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
  }
}

TEST_CASE("BCEWithLogitsLoss: every case matches PyTorch (weight, pos_weight, logits of ±1000)") {
  for (const Json& c : fixture_cases("losses.json", "bce_with_logits")) {
    std::string name = c.at("name");
    CAPTURE(name);
    Tensor z = to_tensor(c.at("input"), true);
    BCEWithLogitsLoss loss_fn(reduction_from_string(c.at("reduction")), optional_tensor(c.at("weight")),
                              optional_tensor(c.at("pos_weight")));
    Tensor loss = loss_fn(z, to_tensor(c.at("target")));
    CHECK_ALL_CLOSE(loss.value(), to_array(c.at("loss")));
    loss.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(z.grad(), to_array(c.at("grad_input")));
  }
}

TEST_CASE("BCEWithLogitsLoss: a small loss keeps its digits, as PyTorch's in double does") {
  // Expected: torch 1.13, F.binary_cross_entropy_with_logits(z.double(), y.double(), pos_weight=pw,
  // reduction='none'). PyTorch's float32 formula adds the large terms first and gives 3.58e-7 at
  // z = −15, y = 0, where the loss is 3.06e-7; xtgrad's float32 result must be the double one.
  Tensor z = tensor({-5.0f, -10.0f, -12.0f, -15.0f, -16.0f, 3.0f, 17.0f});
  Tensor y = tensor({0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.25f, 1.0f});
  const double plain[] = {0.006715348489117967,   4.5398899216870535e-05, 6.144193477747432e-06, 3.0590227379725525e-07,
                          1.1253516840233601e-07, 2.298587351573742,      4.139937640271127e-08};
  const double weighted[] = {0.006715348489118256,   4.5398899217730104e-05, 6.144193477553017e-06,
                             3.0590227417803817e-07, 1.1253516873921399e-07, 2.3107341894671776,
                             8.279875280542255e-08};  // pos_weight 2
  Tensor a = binary_cross_entropy_with_logits(z, y, Reduction::None);
  Tensor b = binary_cross_entropy_with_logits(z, y, Reduction::None, {}, full({7}, 2.0f));
  for (std::size_t i = 0; i < 7; ++i) {
    CAPTURE(i);
    CHECK(a.value()(i) == doctest::Approx(plain[i]).epsilon(1e-6));
    CHECK(b.value()(i) == doctest::Approx(weighted[i]).epsilon(1e-6));
  }
}

TEST_CASE("BCEWithLogitsLoss: equals the closed form max(z,0) − z·y + log1p(e^−|z|), and is finite at ±1000") {
  Tensor z = tensor({-1000.0f, -3.0f, -0.5f, 0.0f, 0.7f, 4.0f, 1000.0f}, true);
  Tensor y = tensor({1, 0, 1, 1, 0, 1, 0});
  Tensor loss = binary_cross_entropy_with_logits(z, y, Reduction::None);
  for (std::size_t i = 0; i < 7; ++i) {
    double x = z.value()(i), t = y.value()(i);
    double ref = std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
    CHECK(loss.value()(i) == doctest::Approx(ref).epsilon(1e-6));
  }
  sum(loss).backward();
  for (std::size_t i = 0; i < 7; ++i) {
    double x = z.value()(i), t = y.value()(i);
    CHECK(z.grad()(i) == doctest::Approx(1.0 / (1.0 + std::exp(-x)) - t).epsilon(1e-6));  // σ(z) − y
  }
}

TEST_CASE("BCEWithLogitsLoss: logits of ±100 and ±1e4 in every reduction, with weight and pos_weight, against double") {
  // Closed form in double, l = w·((1 − y)·z + lw·softplus(−z)), dl/dz = w·(lw·σ(z) − p·y), lw = 1 + (p − 1)·y.
  Tensor y = tensor({{1, 0, 1, 0.25f}, {0, 1, 0, 0.75f}});
  Tensor weight = tensor({0.5f, 2.0f, 1.0f, 1.5f});  // broadcast over the rows
  Tensor pos_weight = tensor({3.0f, 0.5f, 1.0f, 2.0f});
  const std::vector<float> logits{-1e4f, 1e4f, 100.0f, -100.0f, 1e4f, -1e4f, -100.0f, 100.0f};
  for (bool weighted : {false, true})
    for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
      CAPTURE(to_string(r));
      CAPTURE(weighted);
      Tensor z = tensor({{-1e4f, 1e4f, 100.0f, -100.0f}, {1e4f, -1e4f, -100.0f, 100.0f}}, true);
      std::optional<Tensor> w, p;
      if (weighted) w = weight, p = pos_weight;
      Tensor loss = binary_cross_entropy_with_logits(z, y, r, w, p);
      sum(loss).backward();
      double total = 0;
      for (std::size_t i = 0; i < 8; ++i) {
        double x = logits[i], t = y.value().data()[i];
        double wi = weighted ? weight.value()(i % 4) : 1.0, pi = weighted ? pos_weight.value()(i % 4) : 1.0;
        double lw = 1 + (pi - 1) * t;
        double l = wi * ((1 - t) * x + lw * (std::max(-x, 0.0) + std::log1p(std::exp(-std::fabs(x)))));
        double d = wi * (lw / (1 + std::exp(-x)) - pi * t) / (r == Reduction::Mean ? 8.0 : 1.0);
        total += l;
        if (r == Reduction::None) CHECK(loss.value().data()[i] == doctest::Approx(l).epsilon(1e-6));
        CHECK(z.grad().data()[i] == doctest::Approx(d).epsilon(1e-6));
      }
      if (r != Reduction::None) CHECK(loss.item() == doctest::Approx(r == Reduction::Mean ? total / 8 : total));
    }
}

TEST_CASE("BCEWithLogitsLoss: adds to a gradient the logits already have, and keeps NaN and ±inf as before") {
  Tensor z = tensor({-2.0f, 0.5f, 3.0f}, true);
  Tensor y = tensor({1, 0, 1});
  (sum(z * z) + binary_cross_entropy_with_logits(z, y, Reduction::Sum)).backward();  // 2z + σ(z) − y
  for (std::size_t i = 0; i < 3; ++i) {
    double x = z.value()(i);
    CHECK(z.grad()(i) == doctest::Approx(2 * x + 1 / (1 + std::exp(-x)) - y.value()(i)).epsilon(1e-6));
  }
  // (1 − y)·z + softplus(−z): +inf with y = 0 gives +inf; anything with NaN, and ±inf times 0, NaN.
  const float inf = std::numeric_limits<float>::infinity();
  Tensor loss = binary_cross_entropy_with_logits(tensor({inf, inf, -inf, NAN}), tensor({0, 1, 1, 0}), Reduction::None);
  CHECK(loss.value()(0) == inf);
  CHECK(std::isnan(loss.value()(1)));
  CHECK(std::isnan(loss.value()(2)));
  CHECK(std::isnan(loss.value()(3)));
}

TEST_CASE("losses: gradcheck in every reduction, with weight and pos_weight") {
  Generator gen(21);
  Tensor target = tensor({{1, 0, 1}, {0, 0, 1}});
  Tensor weight = tensor({0.5f, 2.0f, 1.0f});
  Tensor pos_weight = tensor({3.0f, 0.5f, 1.0f});
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    CAPTURE(to_string(r));
    Inputs probs{rand({2, 3}, gen, 0.1f, 0.9f, true)};
    CHECK_GRADCHECK([&](const Inputs& v) { return binary_cross_entropy(v[0], target, r, weight); }, probs);
    Inputs logits{rand({2, 3}, gen, -4.0f, 4.0f, true)};
    CHECK_GRADCHECK([&](const Inputs& v) { return binary_cross_entropy_with_logits(v[0], target, r); }, logits);
    CHECK_GRADCHECK(
        [&](const Inputs& v) { return binary_cross_entropy_with_logits(v[0], target, r, weight, pos_weight); }, logits);
  }
}

TEST_CASE("losses: mismatched shapes and out-of-range probabilities are reported") {
  CHECK_THROWS_WITH_AS(binary_cross_entropy(full({2, 3}, 0.5f), zeros({3, 2})),
                       "BCELoss: target shape [3, 2] must equal input shape [2, 3]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(binary_cross_entropy(tensor({0.5f, 1.5f}), zeros({2})),
                       "BCELoss: all elements of input should be between 0 and 1, got 1.5 at flat index 1",
                       std::invalid_argument);
  CHECK_THROWS_AS(binary_cross_entropy(tensor({NAN}), zeros({1})), std::invalid_argument);
  CHECK_THROWS_AS(binary_cross_entropy_with_logits(zeros({4}), zeros({4, 1})), std::invalid_argument);
  CHECK_THROWS_AS(binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), Reduction::Mean, zeros({2})),
                  std::invalid_argument);
  CHECK_THROWS_AS(binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), Reduction::Mean, std::nullopt,
                                                   zeros({4})),
                  std::invalid_argument);
  CHECK_THROWS_AS(reduction_from_string("average"), std::invalid_argument);
  CHECK_THROWS_AS(binary_cross_entropy_with_logits(zeros({2}), zeros({2}, true)), std::invalid_argument);
}
