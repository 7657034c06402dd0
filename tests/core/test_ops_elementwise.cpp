// Elementwise arithmetic: values, broadcasting, gradients against finite differences, errors.
#include <limits>

#include "support/testing.hpp"

using namespace xtgrad;
using Inputs = std::vector<Tensor>;

namespace {
Generator input_generator(11);
Tensor input(const Shape& shape, float low = -2.0f, float high = 2.0f) {
  return rand(shape, input_generator, low, high, true);
}
}  // namespace

TEST_CASE("add/sub/mul/div: values with broadcasting") {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor b = tensor({10, 20, 30});
  CHECK((a + b).value() == Array{{11, 22, 33}, {14, 25, 36}});
  CHECK((a - b).value() == Array{{-9, -18, -27}, {-6, -15, -24}});
  CHECK((a * b).value() == Array{{10, 40, 90}, {40, 100, 180}});
  CHECK((b / a).value() == Array{{10, 10, 10}, {2.5, 4, 5}});
  Tensor col = reshape(tensor({1, 2}), {2, 1});
  CHECK((a * col).value() == Array{{1, 2, 3}, {8, 10, 12}});
  CHECK((2.0f - a).value() == Array{{1, 0, -1}, {-2, -3, -4}});
  CHECK((6.0f / b).value() == Array{0.6f, 0.3f, 0.2f});
  CHECK((-b).value() == Array{-10, -20, -30});
}

TEST_CASE("add/sub/mul/div: gradients, including broadcast inputs") {
  auto f_add = [](const Inputs& in) { return in[0] + in[1]; };
  auto f_sub = [](const Inputs& in) { return in[0] - in[1]; };
  auto f_mul = [](const Inputs& in) { return in[0] * in[1]; };
  auto f_div = [](const Inputs& in) { return in[0] / in[1]; };
  for (auto shapes :
       {std::pair<Shape, Shape>{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{3, 1}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {{}, {2, 2}}}) {
    CAPTURE(shape_str(shapes.first));
    CAPTURE(shape_str(shapes.second));
    Inputs in{input(shapes.first), input(shapes.second)};
    CHECK_GRADCHECK(f_add, in);
    CHECK_GRADCHECK(f_sub, in);
    CHECK_GRADCHECK(f_mul, in);
    Inputs positive{input(shapes.first), input(shapes.second, 0.5f, 2.0f)};
    CHECK_GRADCHECK(f_div, positive);
  }
}

TEST_CASE("scalar arithmetic: gradients") {
  Inputs in{input({2, 3})};
  CHECK_GRADCHECK([](const Inputs& v) { return v[0] * 3.0f + 1.0f; }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return 1.0f - v[0] / 4.0f; }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return -v[0]; }, in);
  Inputs positive{input({2, 3}, 0.5f, 2.0f)};
  CHECK_GRADCHECK([](const Inputs& v) { return 2.0f / v[0]; }, positive);
}

TEST_CASE("exp/log/sqrt/pow/abs: values and gradients") {
  Tensor x = tensor({0.25f, 1.0f, 4.0f});
  CHECK_ALL_CLOSE(exp(x).value(), (Array{std::exp(0.25f), std::exp(1.0f), std::exp(4.0f)}));
  CHECK_ALL_CLOSE(log(x).value(), (Array{std::log(0.25f), 0.0f, std::log(4.0f)}));
  CHECK(sqrt(x).value() == Array{0.5f, 1.0f, 2.0f});
  CHECK(pow(x, 2.0f).value() == Array{0.0625f, 1.0f, 16.0f});
  CHECK(abs(tensor({-2, 0, 3})).value() == Array{2, 0, 3});
  Inputs any{input({3, 2})};
  Inputs positive{input({3, 2}, 0.3f, 3.0f)};
  CHECK_GRADCHECK([](const Inputs& v) { return exp(v[0]); }, any);
  CHECK_GRADCHECK([](const Inputs& v) { return log(v[0]); }, positive);
  CHECK_GRADCHECK([](const Inputs& v) { return sqrt(v[0]); }, positive);
  CHECK_GRADCHECK([](const Inputs& v) { return pow(v[0], 3.0f); }, any);
  CHECK_GRADCHECK([](const Inputs& v) { return pow(v[0], -1.5f); }, positive);
  CHECK_GRADCHECK([](const Inputs& v) { return pow(v[0], 0.0f); }, any);
  Inputs away_from_zero{tensor({-1.5f, -0.2f, 0.3f, 2.0f}, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return abs(v[0]); }, away_from_zero);
}

TEST_CASE("abs and clamp: gradient at the kinks follows PyTorch") {
  Tensor x = tensor({0.0f, -1.0f, 1.0f, 2.0f}, true);
  sum(abs(x)).backward();
  CHECK(x.grad() == Array{0, -1, 1, 1});
  Tensor y = tensor({-2.0f, -1.0f, 0.0f, 1.0f, 2.0f}, true);
  Tensor c = clamp(y, -1.0f, 1.0f);
  CHECK(c.value() == Array{-1, -1, 0, 1, 1});
  sum(c).backward();
  CHECK(y.grad() == Array{0, 1, 1, 1, 0});  // bounds included, as torch.clamp
}

TEST_CASE("clamp: gradient away from the bounds") {
  Inputs in{tensor({-1.7f, -0.4f, 0.2f, 0.9f, 1.6f}, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return clamp(v[0], -1.0f, 1.0f); }, in);
}

TEST_CASE("elementwise: errors name the op and both shapes") {
  CHECK_THROWS_WITH_AS(zeros({2, 3}) + zeros({4}), "add: shapes [2, 3] and [4] cannot be broadcast together",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(zeros({2, 3}) * zeros({3, 2}), "mul: shapes [2, 3] and [3, 2] cannot be broadcast together",
                       std::invalid_argument);
  CHECK_THROWS_AS(zeros({5}) - zeros({4}), std::invalid_argument);
  CHECK_THROWS_AS(zeros({5}) / zeros({2, 4}), std::invalid_argument);
}

TEST_CASE("clamp: low > high makes every element high, NaN stays NaN") {
  // torch 1.13: tensor([-1., 1, 0, 3]).clamp(2., 1.) is [1, 1, 1, 1] with zero gradients ("If
  // min is greater than max torch.clamp(..., min, max) sets all elements in input to the value
  // of max"); tensor([nan]).clamp(-1., 1.) is nan with gradient 0.
  Tensor x = tensor({-1, 1, 0, 3}, true);
  Tensor y = clamp(x, 2.0f, 1.0f);
  CHECK(y.value() == Array{1, 1, 1, 1});
  sum(y).backward();
  CHECK(x.grad() == Array{0, 0, 0, 0});
  Tensor n = tensor({std::numeric_limits<float>::quiet_NaN()}, true);
  Tensor cn = clamp(n, -1.0f, 1.0f);
  CHECK(std::isnan(cn.item()));
  cn.backward();
  CHECK(n.grad()(0) == 0.0f);
}
