// matmul and linear: values against a naive triple loop and PyTorch fixtures (1-D, 2-D and
// batched operands, N-D linear input), gradients, shape errors.
#include <cmath>
#include <cstring>

#include "support/fixtures.hpp"
#include "support/testing.hpp"
#include "xtgrad/core/detail/gemm.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;
using Inputs = std::vector<Tensor>;

namespace {

/// How many elements of y [m, n] lie further from x·wᵀ + bias (x [m, k], w [n, k], bias [n] or
/// none), computed in double, than any float summation order can leave them:
/// (k + 2)·u·(Σ|x·w| + |bias|), u = 2^-24. A block summed twice or left out is off by far more.
std::size_t off_by_more_than_rounding(const Array& y, const Array& x, const Array& w, const Array* bias = nullptr) {
  const std::size_t m = x.shape(0), k = x.shape(1), n = w.shape(0);
  const double unit = std::ldexp(1.0, -24) * double(k + 2);
  std::size_t off = 0;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double sum = bias ? double((*bias)(j)) : 0.0, magnitude = std::abs(sum);
      for (std::size_t q = 0; q < k; ++q) {
        double term = double(x(i, q)) * double(w(j, q));
        sum += term;
        magnitude += std::abs(term);
      }
      if (!(std::abs(double(y(i, j)) - sum) <= unit * magnitude)) ++off;
    }
  return off;
}

/// Under XTGRAD_GEMM=CBLAS, OpenBLAS splits a product by its thread count in its own way, which
/// may change the summation order: on an AMD EPYC with OPENBLAS_CORETYPE=Haswell, 9,590 of the
/// 131,072 elements of a 512×256×256 product differed between 1 and 2 threads, each within rounding.
bool products_are_openblas() { return std::strcmp(detail::gemm_backend(), "CBLAS") == 0; }

}  // namespace

TEST_CASE("matmul: values equal the naive product") {
  Generator gen(9);
  for (auto [m, k, n] :
       {std::tuple<std::size_t, std::size_t, std::size_t>{1, 1, 1}, {3, 4, 5}, {17, 33, 9}, {64, 2, 16}}) {
    Tensor a = randn({m, k}, gen), b = randn({k, n}, gen);
    Array expected = xt::zeros<float>({m, n});
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::size_t p = 0; p < k; ++p) s += double(a.value()(i, p)) * b.value()(p, j);
        expected(i, j) = static_cast<float>(s);
      }
    CHECK_ALL_CLOSE(matmul(a, b).value(), expected, 1e-5, 1e-5);
  }
  CHECK(matmul(zeros({2, 0}), zeros({0, 3})).value() == xt::zeros<float>({2, 3}));
}

TEST_CASE("matmul: gradients for both inputs, and accumulation into existing gradients") {
  Generator gen(10);
  Inputs in{randn({3, 4}, gen, true), randn({4, 2}, gen, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return matmul(v[0], v[1]); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return matmul(v[0], v[0] * 2.0f + matmul(v[0], v[1]) * 0.0f + 1.0f); },
                  Inputs{randn({3, 3}, gen, true), randn({3, 3}, gen, true)});
}

TEST_CASE("matmul: 1-D, 2-D and batched operands match PyTorch, forward and both gradients") {
  for (const Json& c : fixture_cases("shapes.json", "matmul")) {
    Tensor a = to_tensor(c.at("a"), true), b = to_tensor(c.at("b"), true);
    std::string shapes = shape_str(a.shape()) + " @ " + shape_str(b.shape());
    CAPTURE(shapes);
    Tensor y = matmul(a, b);
    CHECK_ALL_CLOSE(y.value(), to_array(c.at("output")));
    y.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(a.grad(), to_array(c.at("grad_a")));
    CHECK_ALL_CLOSE(b.grad(), to_array(c.at("grad_b")));
    // Once more with the gradients already there: every path must add, not overwrite.
    matmul(a, b).backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(a.grad(), Array(2.0f * to_array(c.at("grad_a"))));
    CHECK_ALL_CLOSE(b.grad(), Array(2.0f * to_array(c.at("grad_b"))));
  }
}

TEST_CASE("matmul: gradcheck for every shape rule") {
  Generator gen(11);
  std::vector<std::pair<Shape, Shape>> cases{{{4}, {4}},
                                             {{4}, {4, 3}},
                                             {{3, 4}, {4}},
                                             {{2, 3, 4}, {4, 2}},
                                             {{2, 3, 4}, {2, 4, 2}},
                                             {{2, 1, 3, 4}, {5, 4, 2}},
                                             {{3, 4}, {2, 4, 2}},
                                             {{4}, {2, 4, 3}},
                                             {{2, 3, 4}, {4}},
                                             {{1, 3, 4}, {2, 2, 4, 1}}};
  for (const auto& [sa, sb] : cases) {
    std::string shapes = shape_str(sa) + " @ " + shape_str(sb);
    CAPTURE(shapes);
    CHECK_GRADCHECK([](const Inputs& v) { return matmul(v[0], v[1]); },
                    Inputs{randn(sa, gen, true), randn(sb, gen, true)});
  }
  // One tensor on both sides: both gradients land in one buffer, the second adding to the first.
  Tensor square = randn({2, 3, 3}, gen, true);
  CHECK_GRADCHECK([](const Inputs& v) { return matmul(v[0], v[0]); }, Inputs{square});
  CHECK_GRADCHECK([](const Inputs& v) { return matmul(narrow(v[0], 0, 0, 1), v[0]); }, Inputs{square});
}

TEST_CASE("matmul: batched shapes, and an empty batch, give the right result shapes") {
  CHECK(matmul(zeros({2, 1, 3, 4}), zeros({5, 4, 6})).shape() == Shape{2, 5, 3, 6});
  CHECK(matmul(zeros({4}), zeros({4})).shape() == Shape{});
  CHECK(matmul(zeros({7, 2, 3}), zeros({3})).shape() == Shape{7, 2});
  Tensor a = randn({3, 4}, true);
  Tensor y = matmul(a, zeros({0, 4, 2}));  // no product reads a: its gradient is zero, not garbage
  CHECK(y.shape() == Shape{0, 3, 2});
  sum(y).backward();
  CHECK(a.grad() == xt::zeros<float>({3, 4}));
}

TEST_CASE("matmul: shapes that do not align or do not broadcast are reported") {
  CHECK_THROWS_WITH_AS(matmul(zeros({3, 4}), zeros({5, 2})), "matmul: shapes [3, 4] and [5, 2] do not align",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(matmul(zeros({3}), zeros({4})), "matmul: shapes [3] and [4] do not align",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      matmul(zeros({2, 3, 4}), zeros({3, 4, 5})),
      "matmul: batch dimensions [2] and [3] of shapes [2, 3, 4] and [3, 4, 5] cannot be broadcast together",
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(matmul(scalar(1), zeros({3, 2})),
                       "matmul: both arguments need at least 1 dimension, got shapes [] and [3, 2]",
                       std::invalid_argument);
}

TEST_CASE("linear: equals x Wᵀ + b, with gradients for input, weight and bias") {
  Generator gen(12);
  Tensor x = randn({5, 3}, gen), w = randn({4, 3}, gen), b = randn({4}, gen);
  CHECK_ALL_CLOSE(linear(x, w, b).value(), (matmul(x, transpose(w)) + b).value(), 1e-5, 1e-6);
  CHECK_ALL_CLOSE(linear(x, w).value(), matmul(x, transpose(w)).value(), 1e-5, 1e-6);
  Inputs in{randn({5, 3}, gen, true), randn({4, 3}, gen, true), randn({4}, gen, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return linear(v[0], v[1], v[2]); }, in);
  CHECK_GRADCHECK([](const Inputs& v) { return linear(v[0], v[1]); }, in);
  // Used twice: the first backward writes the fresh gradients, the second adds to them.
  Inputs square{randn({5, 3}, gen, true), randn({3, 3}, gen, true), randn({3}, gen, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return linear(linear(v[0], v[1], v[2]), v[1], v[2]); }, square);
}

TEST_CASE("linear: a weight [in] and a bias [] or [n, 1], as F.linear documents") {
  // torch 1.13: x = tensor([[1., 2, 3], [4, 5, 6]]); F.linear(x, tensor([0.5, -1, 2])) is
  // [4.5, 9]; backward of [1, 2] gives x.grad [[0.5, -1, 2], [1, -2, 4]], w.grad [9, 12, 15].
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}}, true), w = tensor({0.5f, -1, 2}, true);
  Tensor y = linear(x, w);
  CHECK(y.value() == Array{4.5, 9});
  y.backward(Array{1, 2});
  CHECK(x.grad() == Array{{0.5, -1, 2}, {1, -2, 4}});
  CHECK(w.grad() == Array{9, 12, 15});
  // torch 1.13: x2 = tensor([[1., 2], [3, 4]]), W = tensor([[1., -1], [0.5, 2], [0, 1]]);
  // F.linear(x2, W, tensor(0.25)) is [[-0.75, 4.75, 2.25], [-0.75, 9.75, 4.25]]; backward of
  // [[1, 2, 3], [4, 5, 6]] gives x2.grad [[2, 6], [6.5, 12]], W.grad [[13, 18], [17, 24], [21, 30]],
  // b.grad 21. With b = tensor([[1.], [2]]): [[0, 5.5, 3], [1, 11.5, 6]], b.grad [[6], [15]].
  Array upstream{{1, 2, 3}, {4, 5, 6}};
  Tensor x2 = tensor({{1, 2}, {3, 4}}, true), weight = tensor({{1, -1}, {0.5f, 2}, {0, 1}}, true);
  Tensor scalar_bias = full({}, 0.25f, true);
  Tensor y2 = linear(x2, weight, scalar_bias);
  CHECK(y2.value() == Array{{-0.75, 4.75, 2.25}, {-0.75, 9.75, 4.25}});
  y2.backward(upstream);
  CHECK(x2.grad() == Array{{2, 6}, {6.5, 12}});
  CHECK(weight.grad() == Array{{13, 18}, {17, 24}, {21, 30}});
  CHECK(scalar_bias.grad()() == 21.0f);
  Tensor column_bias = tensor({1, 2}, {2, 1}, true);
  Tensor y3 = linear(x2.detach(), weight.detach(), column_bias);
  CHECK(y3.value() == Array{{0, 5.5, 3}, {1, 11.5, 6}});
  y3.backward(upstream);
  CHECK(column_bias.grad()(0, 0) == 6.0f);
  CHECK(column_bias.grad()(1, 0) == 15.0f);
  CHECK_THROWS_WITH_AS(linear(x2, weight, zeros({2})), "linear: shapes [2, 3] and [2] cannot be broadcast together",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(linear(x2, weight, zeros({4, 1, 1})),
                       "linear: bias of shape [4, 1, 1] does not broadcast to the output [2, 3]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(linear(x2, zeros({3})), "linear: expected input of shape [*, 3] for weight [3], got [2, 2]",
                       std::invalid_argument);
}

TEST_CASE("linear: input [*, in] (3-D, 4-D, 1-D) matches PyTorch, with and without bias") {
  for (const Json& c : fixture_cases("shapes.json", "linear")) {
    bool bias = c.at("bias");
    Tensor x = to_tensor(c.at("input"), true);
    Tensor w = to_tensor(c.at("params").at("weight"), true);
    Tensor b = bias ? to_tensor(c.at("params").at("bias"), true) : Tensor();
    std::string shape = shape_str(x.shape());
    CAPTURE(shape);
    CAPTURE(bias);
    Tensor y = bias ? linear(x, w, b) : linear(x, w);
    CHECK_ALL_CLOSE(y.value(), to_array(c.at("output")));
    y.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    CHECK_ALL_CLOSE(w.grad(), to_array(c.at("grads").at("weight")));
    if (bias) CHECK_ALL_CLOSE(b.grad(), to_array(c.at("grads").at("bias")));
  }
}

TEST_CASE("linear: gradcheck on N-D input, and the Linear module takes [*, in_features]") {
  Generator gen(14);
  for (const Shape& shape : {Shape{2, 3, 4}, Shape{2, 1, 2, 4}, Shape{4}}) {
    std::string s = shape_str(shape);
    CAPTURE(s);
    Inputs in{randn(shape, gen, true), randn({3, 4}, gen, true), randn({3}, gen, true)};
    CHECK_GRADCHECK([](const Inputs& v) { return linear(v[0], v[1], v[2]); }, in);
    CHECK_GRADCHECK([](const Inputs& v) { return linear(v[0], v[1]); }, in);
  }
  Linear layer(4, 3, true, gen);
  Tensor x = randn({2, 5, 4}, gen);
  Tensor expected = reshape(layer(reshape(x, {10, 4})), {2, 5, 3});
  CHECK_ALL_CLOSE(layer(x).value(), expected.value(), 1e-6, 1e-7);
  CHECK(layer(randn({4}, gen)).shape() == Shape{3});
}

TEST_CASE("linear: mismatched shapes are reported") {
  CHECK_THROWS_WITH_AS(linear(zeros({2, 3}), zeros({4, 5})),
                       "linear: expected input of shape [*, 5] for weight [4, 5], got [2, 3]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(linear(scalar(1), zeros({4, 1})),
                       "linear: expected input of shape [*, 1] for weight [4, 1], got []", std::invalid_argument);
  CHECK_THROWS_AS(linear(zeros({2, 3}), zeros({4, 3}), zeros({3})), std::invalid_argument);
  CHECK_THROWS_AS(linear(zeros({2, 3}), zeros({12})), std::invalid_argument);
}

TEST_CASE("threads: set_num_threads validates, and a large product on two threads is the product to rounding") {
  CHECK_THROWS_AS(set_num_threads(0), std::invalid_argument);
  CHECK(get_num_threads() == 1);
  Generator gen(13);
  Tensor a = randn({512, 256}, gen), b = randn({256, 256}, gen);  // 33.5M multiply-adds: parallel
  Array one = matmul(a, b).value();
  set_num_threads(2);
  CHECK(get_num_threads() == 2);
  Array two = matmul(a, b).value();
  set_num_threads(1);
  const Array b_rows = xt::transpose(b.value());
  CHECK(off_by_more_than_rounding(one, a.value(), b_rows) == 0);
  CHECK(off_by_more_than_rounding(two, a.value(), b_rows) == 0);
}

TEST_CASE(
    "threads: linear's bias broadcast and bias gradient, split by rows and columns, are the same bits on two threads") {
  // y [1024, 512]: 2 MB, past the size from which the broadcast of b and the column sums of dy
  // are split; the columns of db are each summed in row order on whichever thread has them.
  Generator gen(14);
  Tensor x = randn({1024, 8}, gen, true), w = randn({512, 8}, gen, true), b = randn({512}, gen, true);
  Tensor upstream = randn({1024, 512}, gen);
  auto run = [&](int threads) {
    set_num_threads(threads);
    for (Tensor* t : {&x, &w, &b}) t->zero_grad();
    Tensor y = linear(x, w, b);
    y.backward(upstream.value());
    set_num_threads(1);
    return std::pair{y.value(), b.grad()};
  };
  auto [y1, db1] = run(1);
  auto [y2, db2] = run(2);
  // The product itself (4M multiply-adds) stays on one thread, so y's bits depend only on how the
  // broadcast of b was split; OpenBLAS threads it as it likes.
  if (!products_are_openblas()) CHECK(y2 == y1);
  CHECK(off_by_more_than_rounding(y1, x.value(), w.value(), &b.value()) == 0);
  CHECK(off_by_more_than_rounding(y2, x.value(), w.value(), &b.value()) == 0);
  CHECK(db2 == db1);
  // and db is the column sums of the upstream gradient, in double
  xt::xarray<double> sums = xt::sum(xt::cast<double>(upstream.value()), {0});
  CHECK_ALL_CLOSE(db1, xt::cast<float>(sums), 1e-5, 1e-4);
}
