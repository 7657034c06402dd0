// softmax family and the new reductions: values, gradchecks, extremes, errors.
#include <functional>

#include "support/testing.hpp"

using namespace xtgrad;
using Inputs = std::vector<Tensor>;

TEST_CASE("softmax/log_softmax/logsumexp: values, and finite at logits of ±1000") {
  Tensor x = tensor({{1000, -1000, 999}, {0, 0, 0}});
  Array p = softmax(x, 1).value();
  double e = std::exp(-1.0);
  CHECK(p(0, 0) == doctest::Approx(1.0 / (1.0 + e)));
  CHECK(p(0, 1) == 0.0f);
  CHECK(p(1, 2) == doctest::Approx(1.0 / 3.0));
  Array lp = log_softmax(x, -1).value();
  CHECK(lp(0, 1) == doctest::Approx(-2000.0 - std::log1p(e)));
  CHECK(lp(1, 0) == doctest::Approx(-std::log(3.0)));
  CHECK(logsumexp(x, 1).value()(0) == doctest::Approx(1000.0 + std::log1p(e)));
  CHECK(logsumexp(x, 1, true).shape() == Shape{2, 1});
  CHECK(logsumexp(full({2}, -INFINITY), 0).item() == -INFINITY);
}

TEST_CASE("softmax/log_softmax: a slice with +inf, or of −inf only, is NaN, and logsumexp ±inf there") {
  // Expected: torch 1.13, F.softmax / F.log_softmax / torch.logsumexp along dim 1 of
  // [[1, inf, 2], [-inf, -inf, -inf], [-inf, 0, 1]]: rows 0 and 1 NaN throughout for softmax and
  // log_softmax; row 2 [0, 0.2689414322376251, 0.7310585975646973] and
  // [-inf, -1.31326162815094, -0.31326165795326233]; logsumexp [inf, -inf, 1.31326162815094].
  Tensor x = tensor({{1.0f, INFINITY, 2.0f}, {-INFINITY, -INFINITY, -INFINITY}, {-INFINITY, 0.0f, 1.0f}});
  Array p = softmax(x, 1).value(), lp = log_softmax(x, 1).value(), lse = logsumexp(x, 1).value();
  for (std::size_t r : {0, 1})
    for (std::size_t c = 0; c < 3; ++c) {
      CAPTURE(r);
      CAPTURE(c);
      CHECK(std::isnan(p(r, c)));
      CHECK(std::isnan(lp(r, c)));
    }
  CHECK(p(2, 0) == 0.0f);
  CHECK(p(2, 1) == doctest::Approx(0.2689414322376251).epsilon(1e-6));
  CHECK(p(2, 2) == doctest::Approx(0.7310585975646973).epsilon(1e-6));
  CHECK(lp(2, 0) == -INFINITY);
  CHECK(lp(2, 1) == doctest::Approx(-1.31326162815094).epsilon(1e-6));
  CHECK(lse(0) == INFINITY);
  CHECK(lse(1) == -INFINITY);
  CHECK(lse(2) == doctest::Approx(1.31326162815094).epsilon(1e-6));
}

TEST_CASE("softmax/log_softmax/logsumexp and reductions: a 0-d tensor along dim 0 or -1, and an empty dim") {
  // Expected: torch 1.13. x = tensor(1.5): logsumexp(x, -1) 1.5 (grad 1), softmax(x, 0) 1 (grad
  // 0), log_softmax(x, 0) 0 (grad 0), all 0-d; on zeros(2, 0) along dim 1 softmax and log_softmax
  // give [2, 0] and logsumexp [-inf, -inf]; sum(tensor(2.5), 0) 2.5, max(tensor(2.5), 0) (2.5, 0).
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    float value, grad;
  };
  const std::vector<Case> cases = {
      {"logsumexp", [](const Tensor& x) { return logsumexp(x, -1); }, 1.5f, 1.0f},
      {"softmax", [](const Tensor& x) { return softmax(x, 0); }, 1.0f, 0.0f},
      {"log_softmax", [](const Tensor& x) { return log_softmax(x, 0); }, 0.0f, 0.0f},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Tensor x = full({}, 1.5f, true);
    Tensor y = c.f(x);
    CHECK(y.shape() == Shape{});
    CHECK(y.item() == c.value);
    y.backward();
    CHECK(x.grad()() == c.grad);
  }
  CHECK_THROWS_WITH_AS(softmax(full({}, 1.0f), 1), "softmax: axis 1 is out of range for a 0-d tensor (0 or -1)",
                       std::invalid_argument);
  Tensor empty = zeros({2, 0});
  CHECK(softmax(empty, 1).shape() == Shape{2, 0});
  CHECK(log_softmax(empty, 1).shape() == Shape{2, 0});
  Tensor lse = logsumexp(empty, 1);
  CHECK(lse.shape() == Shape{2});
  CHECK(lse.value()(0) == -INFINITY);
  CHECK(lse.value()(1) == -INFINITY);
  CHECK(sum(full({}, 2.5f), 0).item() == 2.5f);
  CHECK(max_with_indices(full({}, 2.5f), 0).values.item() == 2.5f);
  CHECK(max_with_indices(full({}, 2.5f), 0).indices.item() == 0.0f);
}

TEST_CASE("softmax/log_softmax/logsumexp: gradients along each dim") {
  Generator gen(5);
  Inputs in{rand({2, 3, 4}, gen, -3.0f, 3.0f, true)};
  for (std::int64_t dim : {0, 1, 2, -1}) {
    CAPTURE(dim);
    CHECK_GRADCHECK([=](const Inputs& v) { return softmax(v[0], dim); }, in);
    CHECK_GRADCHECK([=](const Inputs& v) { return log_softmax(v[0], dim); }, in);
    CHECK_GRADCHECK([=](const Inputs& v) { return logsumexp(v[0], dim, dim == 1); }, in);
  }
}

TEST_CASE("max/min with indices, argmax/argmin: first extreme, NaN wins, indices are whole floats") {
  Tensor a = tensor({{1, 3, 3}, {2, 2, 0}}, true);
  ValuesAndIndices mx = max_with_indices(a, 1);
  CHECK(mx.values.value() == Array{3, 2});
  CHECK(mx.indices.value() == Array{1, 0});
  CHECK_FALSE(mx.indices.requires_grad());
  ValuesAndIndices mn = min_with_indices(a, 0, true);
  CHECK(mn.values.value() == Array{{1, 2, 0}});
  CHECK(mn.indices.value() == Array{{0, 1, 1}});
  CHECK(argmax(a, 1).value() == Array{1, 0});
  Tensor lowest = argmin(a, -1, true);
  CHECK(lowest.shape() == Shape{2, 1});
  CHECK(lowest.value()(1, 0) == 2.0f);
  CHECK_FALSE(argmax(a, 1).requires_grad());
  sum(min(a, 1)).backward();
  CHECK(a.grad() == Array{{1, 0, 0}, {0, 0, 1}});
  CHECK(argmax(tensor({1.0f, NAN, 5.0f}), 0).item() == 1.0f);
}

TEST_CASE("sum/mean/var/std over several dims: values against closed forms, and gradients") {
  Tensor a = tensor({{{1, 2}, {3, 4}}, {{5, 6}, {7, 9}}});
  CHECK(sum(a, {0, 2}).value() == Array{14, 23});
  CHECK(mean(a, {-1, 0}, true).shape() == Shape{1, 2, 1});
  CHECK(sum(a, std::vector<std::int64_t>{}).item() == 37.0f);  // no dims: all
  // torch: x = torch.tensor([[1., 2, 3], [4, 5, 6]]); x.sum(dim=[]) is 21, x.mean(dim=[]) is 3.5,
  // x.mean(dim=[], keepdim=True).shape is [1, 1]; a braced {} is that empty list, not axis 0.
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(sum(x, {}).item() == 21.0f);
  CHECK(mean(x, {}).item() == 3.5f);
  CHECK(mean(x, {}, true).shape() == Shape{1, 1});
  CHECK(sum(x, {0}, true).value() == Array{{5, 7, 9}});
  CHECK(mean(x, {-1}).value() == Array{2, 5});
  // var of {1, 2, 5, 6}: mean 3.5, squares 6.25+2.25+2.25+6.25 = 17
  CHECK(var(a, {0, 2}).value()(0) == doctest::Approx(17.0 / 3.0));
  CHECK(var(a, {0, 2}, 0.0).value()(0) == doctest::Approx(17.0 / 4.0));
  CHECK(xtgrad::std(a, {0, 2}, 2.0).value()(0) == doctest::Approx(std::sqrt(17.0 / 2.0)));
  Generator gen(6);
  Inputs in{rand({2, 3, 4}, gen, -2.0f, 2.0f, true)};
  for (auto dims : std::vector<std::vector<std::int64_t>>{{0}, {0, 2}, {-1, 1}, {0, 1, 2}}) {
    for (bool keep : {false, true}) {
      CAPTURE(keep);
      CHECK_GRADCHECK([=](const Inputs& v) { return sum(v[0], dims, keep); }, in);
      CHECK_GRADCHECK([=](const Inputs& v) { return mean(v[0], dims, keep); }, in);
      CHECK_GRADCHECK([=](const Inputs& v) { return var(v[0], dims, 1.0, keep); }, in);
      CHECK_GRADCHECK([=](const Inputs& v) { return xtgrad::std(v[0], dims, 0.0, keep); }, in);
    }
  }
  CHECK_GRADCHECK([](const Inputs& v) { return max_with_indices(v[0], 1).values; }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return min(v[0], 2, true); }, in);
}

TEST_CASE("std: the gradient is 0 where every element is equal, and dims of a 0-d tensor reduce it") {
  // torch 1.13: x = tensor([[2., 2, 2], [1, 2, 4]]); x.std(1) = [0, sqrt(7/3)], and backward of
  // ones gives [[0, 0, 0], [-0.4364, -0.1091, 0.5455]] = (x - mean)/(2·std) in the second row
  // (std_backward masks result == 0); the first row was NaN (0/0) before.
  Tensor x = tensor({{2, 2, 2}, {1, 2, 4}}, true);
  Tensor s = xtgrad::std(x, {1});
  CHECK(s.value()(0) == 0.0f);
  CHECK(s.value()(1) == doctest::Approx(std::sqrt(7.0 / 3.0)));
  s.backward(xt::ones<float>({2}));
  double sd = std::sqrt(7.0 / 3.0);
  CHECK_ALL_CLOSE(x.grad(),
                  (Array{{0, 0, 0},
                         {static_cast<float>(-4.0 / 3.0 / (2 * sd)), static_cast<float>(-1.0 / 3.0 / (2 * sd)),
                          static_cast<float>(5.0 / 3.0 / (2 * sd))}}));
  // torch 1.13: s = tensor(3.); s.sum([0]) 3, s.var([0]) nan, s.std(-1) nan, s.mean([0], keepdim=True).shape []
  Tensor scalar_x = full({}, 3.0f, true);
  CHECK(sum(scalar_x, std::vector<std::int64_t>{0}).item() == 3.0f);
  CHECK(std::isnan(var(scalar_x, {0}).item()));
  CHECK(std::isnan(xtgrad::std(scalar_x, {-1}).item()));
  CHECK(mean(scalar_x, std::vector<std::int64_t>{0}, true).shape() == Shape{});
  CHECK_THROWS_WITH_AS(sum(scalar_x, std::vector<std::int64_t>{1}),
                       "sum: axis 1 is out of range for a 0-d tensor (0 or -1)", std::invalid_argument);
}

TEST_CASE("reductions over dims: bad dims are reported") {
  CHECK_THROWS_WITH_AS(sum(zeros({2, 3}), {0, -2}), "sum: dimension -2 appears twice in the list",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(var(zeros({2, 3}), {2}), "var: dimension 2 is out of range for shape [2, 3]",
                       std::invalid_argument);
  CHECK_THROWS_AS(softmax(zeros({2, 3}), 2), std::invalid_argument);
  CHECK_THROWS_AS(argmin(zeros({2, 0}), 1), std::invalid_argument);
}
