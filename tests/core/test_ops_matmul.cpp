// matmul: values against a naive triple loop, gradients, shape errors.
#include "support/testing.hpp"

using namespace xtgrad;
using Inputs = std::vector<Tensor>;

TEST_CASE("matmul: values equal the naive product") {
  Generator gen(9);
  for (auto [m, k, n] : {std::tuple<std::size_t, std::size_t, std::size_t>{1, 1, 1}, {3, 4, 5}, {17, 33, 9}, {64, 2, 16}}) {
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

TEST_CASE("matmul: shapes that do not align are reported") {
  CHECK_THROWS_WITH_AS(matmul(zeros({3, 4}), zeros({5, 2})), "matmul: shapes [3, 4] and [5, 2] do not align",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(matmul(zeros({3}), zeros({3, 2})), "matmul: expected two 2-D tensors, got shapes [3] and [3, 2]",
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

TEST_CASE("linear: mismatched shapes are reported") {
  CHECK_THROWS_WITH_AS(linear(zeros({2, 3}), zeros({4, 5})),
                       "linear: expected input of shape [batch, 5] for weight [4, 5], got [2, 3]", std::invalid_argument);
  CHECK_THROWS_AS(linear(zeros({2, 3}), zeros({4, 3}), zeros({3})), std::invalid_argument);
  CHECK_THROWS_AS(linear(zeros({2, 3}), zeros({12})), std::invalid_argument);
}

TEST_CASE("threads: set_num_threads validates, and a large product gives the same result on two threads") {
  CHECK_THROWS_AS(set_num_threads(0), std::invalid_argument);
  CHECK(get_num_threads() == 1);
  Generator gen(13);
  Tensor a = randn({512, 256}, gen), b = randn({256, 256}, gen);  // 33.5M multiply-adds: parallel
  Array one = matmul(a, b).value();
  set_num_threads(2);
  CHECK(get_num_threads() == 2);
  Array two = matmul(a, b).value();
  set_num_threads(1);
  CHECK_ALL_CLOSE(two, one, 1e-5, 1e-5);
}
