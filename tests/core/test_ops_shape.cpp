// Shape ops: transpose, reshape, narrow/slice, concat, stack.
#include "support/testing.hpp"

using namespace xtgrad;
using Inputs = std::vector<Tensor>;

TEST_CASE("transpose/reshape: values") {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(transpose(a).value() == Array{{1, 4}, {2, 5}, {3, 6}});
  CHECK(reshape(a, {3, -1}).value() == Array{{1, 2}, {3, 4}, {5, 6}});
  CHECK(reshape(a, {6}).shape() == Shape{6});
  Tensor b = reshape(arange(0, 24), {2, 3, 4});
  CHECK(transpose(b, 0, 2).shape() == Shape{4, 3, 2});
  CHECK(transpose(b, 0, -1).value()(3, 2, 1) == b.value()(1, 2, 3));
  // torch 1.13: tensor([1., 2]).t() and tensor(3.).t() are returned as they are, and
  // tensor(3.).transpose(0, -1) is tensor(3.) (a scalar's dims wrap as one of extent 1).
  Tensor v = tensor({1, 2}, true);
  Tensor vt = transpose(v);
  CHECK(vt.value() == Array{1, 2});
  vt.backward(Array{3, 4});
  CHECK(v.grad() == Array{3, 4});
  CHECK(transpose(full({}, 3.0f)).shape() == Shape{});
  CHECK(transpose(full({}, 3.0f), 0, -1).item() == 3.0f);
  CHECK_THROWS_WITH_AS(transpose(full({}, 3.0f), 0, 1), "transpose: axis 1 is out of range for a 0-d tensor (0 or -1)",
                       std::invalid_argument);
}

TEST_CASE("slice: Python's a[start:end], clamped to the extent") {
  // torch 1.13: x = tensor([1., 2, 3]); x[2:1] is empty (backward gives zeros), x[1:10] is
  // [2, 3] and backward of ones gives [0, 1, 1].
  Tensor x = tensor({1, 2, 3}, true);
  CHECK(slice(x, 0, 2, 1).shape() == Shape{0});
  CHECK(slice(x, 0, 5, 9).shape() == Shape{0});
  Tensor tail = slice(x, 0, 1, 10);
  CHECK(tail.value() == Array{2, 3});
  tail.backward(Array{1, 1});
  CHECK(x.grad() == Array{0, 1, 1});
}

TEST_CASE("narrow/slice/concat/stack: values") {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(narrow(a, 1, 1, 2).value() == Array{{2, 3}, {5, 6}});
  CHECK(slice(a, 0, 1, 2).value() == Array{{4, 5, 6}});
  CHECK(concat({a, a}, 0).shape() == Shape{4, 3});
  CHECK(concat({a, narrow(a, 1, 0, 1)}, -1).value() == Array{{1, 2, 3, 1}, {4, 5, 6, 4}});
  CHECK(stack({a, a * 2.0f}, 0).shape() == Shape{2, 2, 3});
  CHECK(stack({a, a * 2.0f}, 2).value()(1, 2, 1) == 12.0f);
  CHECK(stack({tensor({1, 2}), tensor({3, 4})}, 1).value() == Array{{1, 3}, {2, 4}});
}

TEST_CASE("shape ops: gradients") {
  Generator gen(4);
  Inputs in{randn({2, 3, 4}, gen, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return transpose(v[0], 0, 2); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return transpose(reshape(v[0], {6, 4})); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return reshape(v[0], {4, -1}); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return narrow(v[0], 1, 1, 2); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return slice(v[0], -1, 0, 3); }, in);
  Inputs three{randn({2, 3}, gen, true), randn({2, 1}, gen, true), randn({2, 3}, gen, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return concat({v[0], v[1], v[2]}, 1); }, three);
  CHECK_GRADCHECK([](const Inputs& v) { return stack({v[0], v[2]}, 1); }, three);
  CHECK_GRADCHECK([](const Inputs& v) { return stack({v[0], v[0], v[2]}, -1); }, three);
}

TEST_CASE("concat: 1-D tensors of no elements are skipped, as torch.cat skips them") {
  // torch 1.13: a = torch.zeros(0, requires_grad=True); b = torch.tensor([[1., 2, 3], [4, 5, 6]], requires_grad=True)
  // torch.cat([a, b]) is b; torch.cat([b, a, b], 1).shape is [2, 6]; torch.cat([a, a]).shape is [0];
  // torch.cat([a, b], 5) raises "expected to be in range of [-2, 1]"; (cat([a, b]) * w).sum().backward()
  // gives a.grad = tensor([]) and b.grad = w.
  Tensor a(Array(xt::zeros<float>({0})), true);
  Tensor b(Array{{1, 2, 3}, {4, 5, 6}}, true);
  CHECK(concat({a, b}, 0).value() == b.value());
  CHECK(concat({b, a, b}, 1).shape() == Shape{2, 6});
  CHECK(concat({b, a, b}, -1).value() == Array{{1, 2, 3, 1, 2, 3}, {4, 5, 6, 4, 5, 6}});
  CHECK(concat({a, a}, 0).shape() == Shape{0});
  CHECK_THROWS_AS(concat({a, b}, 5), std::invalid_argument);
  CHECK_THROWS_WITH_AS(concat({a, b, zeros({2, 2})}, 0),
                       "concat: tensor 2 has shape [2, 2] but tensor 1 has shape [2, 3] (only dimension 0 may differ)",
                       std::invalid_argument);
  Array w{{1, -2, 3}, {-4, 5, -6}};
  sum(concat({a, b, a}, 0) * Tensor(w)).backward();
  REQUIRE(a.has_grad());
  CHECK(a.grad().shape() == a.value().shape());
  CHECK(b.grad() == w);
}

TEST_CASE("shape ops: errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(reshape(zeros({2, 3}), {4, 2}), "reshape: cannot view shape [2, 3] (6 elements) as [4, 2]",
                       std::invalid_argument);
  CHECK_THROWS_AS(reshape(zeros({2, 3}), {-1, 4}), std::invalid_argument);
  CHECK_THROWS_AS(reshape(zeros({2, 3}), {-1, -1}), std::invalid_argument);
  // torch 1.13 refuses zeros(0, 3).reshape(-1, 0) (the -1 could be anything); reshape(-1) is [0].
  CHECK_THROWS_WITH_AS(reshape(zeros({0, 3}), {-1, 0}),
                       "reshape: cannot infer the -1 extent beside a 0 extent (shape [0, 3])", std::invalid_argument);
  CHECK(reshape(zeros({0, 3}), {-1}).shape() == Shape{0});
  CHECK_THROWS_WITH_AS(narrow(zeros({2, 3}), 1, 2, 2),
                       "narrow: range [2, 4) is out of bounds for dimension 1 of shape [2, 3]", std::invalid_argument);
  CHECK_THROWS_AS(slice(zeros({2, 3}), 5, 0, 1), std::invalid_argument);
  CHECK_THROWS_WITH_AS(concat({zeros({2, 3}), zeros({3, 3})}, 1),
                       "concat: tensor 1 has shape [3, 3] but tensor 0 has shape [2, 3] (only dimension 1 may differ)",
                       std::invalid_argument);
  CHECK_THROWS_AS(concat({}, 0), std::invalid_argument);
  CHECK_THROWS_AS(stack({zeros({2}), zeros({3})}, 0), std::invalid_argument);
  CHECK_THROWS_AS(transpose(zeros({2, 3, 4})), std::invalid_argument);
  CHECK_THROWS_AS(transpose(zeros({2, 3}), 0, 2), std::invalid_argument);
}
