// where/maximum/minimum/clamp, index_select/gather/embedding, the view ops and dropout.
#include <limits>

#include "support/testing.hpp"

using namespace xtgrad;
using Inputs = std::vector<Tensor>;

TEST_CASE("where/maximum/minimum/clamp: values, ties split the gradient, gradients broadcast back") {
  Tensor a = tensor({{1, 5}, {-2, 0}}, true), b = tensor({1, 2}, true);
  CHECK(where(tensor({1, 0}), a, b).value() == Array{{1, 2}, {-2, 2}});
  Tensor m = maximum(a, b);
  CHECK(m.value() == Array{{1, 5}, {1, 2}});
  sum(m).backward();
  CHECK(a.grad() == Array{{0.5, 1}, {0, 0}});
  CHECK(b.grad() == Array{1.5, 1});
  CHECK(clamp(tensor({-3, 0.5, 3}), tensor({-1}), tensor({1, 1, -5})).value() == Array{-1, 0.5, -5});
  Generator gen(7);
  Inputs in{rand({3, 4}, gen, -2.0f, 2.0f, true), rand({4}, gen, -2.0f, 2.0f, true),
            rand({3, 1}, gen, 1.0f, 3.0f, true)};
  Tensor cond = tensor({1, 0, 0, 1});
  CHECK_GRADCHECK([=](const Inputs& v) { return where(cond, v[0], v[1]); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return maximum(v[0], v[1]); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return minimum(v[0], v[1]); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return clamp(v[0], v[1] - 1.0f, v[2]); }, in);
}

TEST_CASE("maximum/minimum/clamp with NaN: NaN out, and PyTorch's gradients") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // torch 1.13: a = tensor([1., nan, 2, 3, nan]), b = tensor([1., 1, nan, 2, nan]);
  // maximum(a, b) = [1, nan, nan, 3, nan], backward of ones: a.grad [0.5, 1, 1, 1, 1],
  // b.grad [0.5, 1, 1, 0, 1]; minimum(a, b) = [1, nan, nan, 2, nan], a.grad [0.5, 1, 1, 0, 1],
  // b.grad [0.5, 1, 1, 1, 1] (only the strict loser of a comparison gets 0).
  for (bool largest : {true, false}) {
    CAPTURE(largest);
    Tensor a = tensor({1, nan, 2, 3, nan}, true), b = tensor({1, 1, nan, 2, nan}, true);
    Tensor m = largest ? maximum(a, b) : minimum(a, b);
    CHECK(m.value()(0) == 1.0f);
    CHECK(m.value()(3) == (largest ? 3.0f : 2.0f));
    for (std::size_t i : {1, 2, 4}) CHECK(std::isnan(m.value()(i)));
    sum(m).backward();
    CHECK(a.grad() == (largest ? Array{0.5, 1, 1, 1, 1} : Array{0.5, 1, 1, 0, 1}));
    CHECK(b.grad() == (largest ? Array{0.5, 1, 1, 0, 1} : Array{0.5, 1, 1, 1, 1}));
  }
  // torch 1.13: x = tensor([-1., 1, 0, -2, 2, nan]).clamp(full([6], -1.), full([6], 1.)) is
  // [-1, 1, 0, -1, 1, nan]; zeros(2).clamp(tensor([nan, -1.]), tensor([1., nan])) is [nan, nan],
  // with zero gradients for all three there.
  Tensor x = tensor({-1, 1, 0, -2, 2, nan});
  Array clamped = clamp(x, full({6}, -1.0f), full({6}, 1.0f)).value();
  const float expected[] = {-1, 1, 0, -1, 1};
  for (std::size_t i = 0; i < 5; ++i) CHECK(clamped(i) == expected[i]);
  CHECK(std::isnan(clamped(5)));
  Tensor z = zeros({2}, true), low = tensor({nan, -1}, true), high = tensor({1, nan}, true);
  Tensor c = clamp(z, low, high);
  CHECK(std::isnan(c.value()(0)));
  CHECK(std::isnan(c.value()(1)));
  sum(c).backward();
  CHECK(z.grad() == Array{0, 0});
  CHECK(low.grad() == Array{0, 0});
  CHECK(high.grad() == Array{0, 0});
}

TEST_CASE("index_select/gather/embedding: values, repeated indices accumulate, gradients") {
  Tensor w = tensor({{1, 2}, {3, 4}, {5, 6}}, true);
  Tensor rows = embedding(tensor({{2, 0}, {2, 2}}), w);
  CHECK(rows.shape() == Shape{2, 2, 2});
  CHECK(rows.value()(1, 1, 0) == 5.0f);
  sum(rows).backward();
  CHECK(w.grad() == Array{{1, 1}, {0, 0}, {3, 3}});
  CHECK(index_select(w, 1, tensor({1, 1, 0})).value() == Array{{2, 2, 1}, {4, 4, 3}, {6, 6, 5}});
  Tensor picked = gather(w, 1, reshape(tensor({1, 0, 1}), {3, 1}));
  CHECK(picked.shape() == Shape{3, 1});
  CHECK(reshape(picked, {3}).value() == Array{2, 3, 6});
  Generator gen(8);
  Inputs in{rand({3, 4, 2}, gen, -1.0f, 1.0f, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return index_select(v[0], 1, tensor({3, 0, 3})); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return gather(v[0], 2, tensor({{{1, 1}}, {{0, 1}}, {{1, 0}}})); }, in);
  Inputs table{rand({5, 3}, gen, -1.0f, 1.0f, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return embedding(tensor({4, 4, 1}), v[0]); }, table);
}

TEST_CASE("index tensors: whole numbers in range only, and no gradient") {
  CHECK_THROWS_WITH_AS(index_select(zeros({2, 3}), 1, tensor({0, 3})),
                       "index_select: index 3 is out of range for a dimension of size 3", std::invalid_argument);
  CHECK_THROWS_WITH_AS(embedding(tensor({0.5f}), zeros({2, 2})), "embedding: index must hold whole numbers, got 0.5",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(gather(zeros({2, 3}), 0, tensor({{-1, 0, 0}})),
                       "gather: index -1 is out of range for a dimension of size 2", std::invalid_argument);
  CHECK_THROWS_AS(gather(zeros({2, 3}), 0, zeros({3})), std::invalid_argument);
  CHECK_THROWS_AS(embedding(tensor({0}, true), zeros({2, 2})), std::invalid_argument);
}

TEST_CASE("unsqueeze/squeeze/flatten/permute/expand: shapes, values and gradients") {
  Tensor a = reshape(arange(0, 24), {2, 3, 4});
  CHECK(unsqueeze(a, 0).shape() == Shape{1, 2, 3, 4});
  CHECK(unsqueeze(a, -1).shape() == Shape{2, 3, 4, 1});
  CHECK(squeeze(zeros({1, 2, 1})).shape() == Shape{2});
  CHECK(squeeze(zeros({1, 2, 1}), 1).shape() == Shape{1, 2, 1});
  CHECK(flatten(a, 1).shape() == Shape{2, 12});
  CHECK(flatten(a).shape() == Shape{24});
  Tensor p = permute(a, {2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.value()(3, 1, 2) == a.value()(1, 2, 3));
  CHECK(expand(tensor({1, 2}), {3, -1}).value() == Array{{1, 2}, {1, 2}, {1, 2}});
  Generator gen(9);
  Inputs in{rand({2, 1, 3}, gen, -1.0f, 1.0f, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return unsqueeze(v[0], 1); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return squeeze(v[0]); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return flatten(v[0], 0, 1); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return permute(v[0], {2, 0, 1}); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return expand(v[0], {4, 2, 5, 3}); }, in);
  // torch 1.13: tensor([[1., 2]]).expand(0, 2) is [0, 2] and backward gives zeros [1, 2]; the
  // sum back over an extent of 0 read out of bounds in xtensor's reducer.
  Tensor row = tensor({{1, 2}}, true);
  Tensor none = expand(row, {0, 2});
  CHECK(none.shape() == Shape{0, 2});
  none.backward(Array::from_shape({0, 2}));
  CHECK(row.grad() == Array{{0, 0}});
  Tensor broadcast_row = tensor({{1, 2}}, true);
  Tensor empty_sum = broadcast_row + zeros({0, 2});
  empty_sum.backward(Array::from_shape({0, 2}));
  CHECK(broadcast_row.grad() == Array{{0, 0}});
  CHECK_THROWS_WITH_AS(expand(zeros({2}), {3}), "expand: cannot expand shape [2] to [3] (only extents of 1 can grow)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(permute(zeros({2, 3}), {0, 0}), "permute: dimension 0 appears twice", std::invalid_argument);
  CHECK_THROWS_AS(unsqueeze(zeros({2}), 3), std::invalid_argument);
}

TEST_CASE("dropout: identity when not training or p = 0, zeros at p = 1, inverted scaling otherwise") {
  Tensor x = ones({2000}, true);
  Generator gen(10);
  CHECK(dropout(x, 0.5f, false, gen).same_as(x));
  CHECK(dropout(x, 0.0f, true, gen).same_as(x));
  Tensor none = dropout(x, 1.0f, true, gen);
  CHECK(none.value() == xt::zeros<float>({2000}));
  Tensor y = dropout(x, 0.25f, true, gen);
  std::size_t kept = 0;
  for (float v : y.value()) {
    CHECK((v == 0.0f || v == doctest::Approx(1.0 / 0.75)));
    kept += v != 0.0f;
  }
  CHECK(std::fabs(static_cast<double>(kept) / 2000.0 - 0.75) < 0.04);  // ~4 standard deviations
  sum(y).backward();
  CHECK(x.grad() == y.value());  // dy/dx = mask/(1 − p), and x = 1
  Inputs in{rand({3, 4}, gen, -1.0f, 1.0f, true)};
  CHECK_GRADCHECK(
      [](const Inputs& v) {
        Generator fixed(3);  // the same mask on every call
        return dropout(v[0], 0.4f, true, fixed);
      },
      in);
  CHECK_THROWS_AS(dropout(x, 1.5f), std::invalid_argument);
}
