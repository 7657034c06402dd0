// Reductions: values, keepdims, negative axes, gradients.
#include "support/testing.hpp"

using namespace xtgrad;
using Inputs = std::vector<Tensor>;

TEST_CASE("sum/mean/max: values") {
  Tensor a = tensor({{1, 5, 3}, {4, 2, 6}});
  CHECK(sum(a).item() == 21.0f);
  CHECK(sum(a).dim() == 0);
  CHECK(mean(a).item() == 3.5f);
  CHECK(sum(a, 0).value() == Array{5, 7, 9});
  CHECK(sum(a, -1).value() == Array{9, 12});
  CHECK(sum(a, 1, true).shape() == Shape{2, 1});
  CHECK(mean(a, 0).value() == Array{2.5, 3.5, 4.5});
  CHECK(max(a, 1).value() == Array{5, 6});
  CHECK(max(a, 0, true).value() == Array{{4, 5, 6}});
}

TEST_CASE("sum/mean/max: gradients over all elements and each axis") {
  Generator gen(3);
  Inputs in{rand({2, 3, 4}, gen, -1.0f, 1.0f, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return sum(v[0]); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return mean(v[0]); }, in);
  for (std::int64_t axis : {0, 1, 2, -1}) {
    for (bool keep : {false, true}) {
      CAPTURE(axis);
      CAPTURE(keep);
      CHECK_GRADCHECK([=](const Inputs& v) { return sum(v[0], axis, keep); }, in);
      CHECK_GRADCHECK([=](const Inputs& v) { return mean(v[0], axis, keep); }, in);
      CHECK_GRADCHECK([=](const Inputs& v) { return max(v[0], axis, keep); }, in);
    }
  }
}

TEST_CASE("max: the gradient goes to the first maximum only") {
  Tensor a = tensor({{1, 3, 3}, {2, 2, 0}}, true);
  sum(max(a, 1)).backward();
  CHECK(a.grad() == Array{{0, 1, 0}, {1, 0, 0}});
}

TEST_CASE("reductions: a bad axis names the axis and the shape") {
  CHECK_THROWS_WITH_AS(sum(zeros({2, 3}), 2), "sum: axis 2 is out of range for shape [2, 3]", std::invalid_argument);
  CHECK_THROWS_AS(mean(zeros({2, 3}), -3), std::invalid_argument);
  CHECK_THROWS_AS(max(zeros({2, 0}), 1), std::invalid_argument);
}

TEST_CASE("mean: over no elements NaN, and an empty input along a non-empty axis is empty") {
  // torch 1.13: zeros(0).mean() nan, zeros(2, 0).mean(1) [nan, nan], zeros(0, 3).mean(1) shape [0];
  // mean(zeros(0, 3), 1) was refused as 'expected a non-empty tensor' although nothing is averaged
  // over nothing there.
  Tensor empty = zeros({0}, true);
  Tensor m = mean(empty);
  CHECK(std::isnan(m.item()));
  m.backward();
  CHECK(empty.grad().size() == 0);
  Array rows = mean(zeros({2, 0}), 1).value();
  CHECK(rows.size() == 2);
  CHECK(std::isnan(rows(0)));
  CHECK(std::isnan(rows(1)));
  CHECK(mean(zeros({0, 3}), 1).shape() == Shape{0});
}
