// BCELoss and BCEWithLogitsLoss against PyTorch in every mode, extremes, gradchecks, errors.
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
