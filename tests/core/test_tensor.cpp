// Tensor handles, accessors and factories.
#include "support/testing.hpp"

using namespace xtgrad;

TEST_CASE("tensor: factories give the requested shapes and values") {
  CHECK(zeros({2, 3}).shape() == Shape{2, 3});
  CHECK(ones({4}).value()(3) == 1.0f);
  CHECK(full({2, 2}, 7.5f).value()(1, 1) == 7.5f);
  CHECK(scalar(3.0f).dim() == 0);
  CHECK(scalar(3.0f).item() == 3.0f);
  Tensor r = arange(0.0f, 1.0f, 0.25f);
  CHECK(r.shape() == Shape{4});
  CHECK(r.value()(3) == 0.75f);
  Tensor m = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(m.shape() == Shape{2, 3});
  CHECK(m.value()(1, 0) == 4.0f);
  CHECK(m.size(-1) == 3);
  CHECK(tensor({{{1, 2}, {3, 4}}}).shape() == Shape{1, 2, 2});
}

TEST_CASE("tensor: copies of a handle share storage while clone and detach copy") {
  Tensor a = tensor({1, 2, 3});
  Tensor b = a;
  b.mutable_value()(0) = 10.0f;
  CHECK(a.value()(0) == 10.0f);
  Tensor c = a.clone();
  Tensor d = a.detach();
  c.mutable_value()(1) = -1.0f;
  d.mutable_value()(2) = -1.0f;
  CHECK(a.value()(1) == 2.0f);
  CHECK(a.value()(2) == 3.0f);
}

TEST_CASE("tensor: item and size reject what they cannot answer") {
  CHECK_THROWS_WITH_AS(tensor({1, 2}).item(), "item: expected a tensor with one element, got shape [2]",
                       std::invalid_argument);
  CHECK_THROWS_AS(tensor({1, 2}).size(1), std::invalid_argument);
  CHECK_THROWS_AS(tensor({1, 2}).grad(), std::invalid_argument);
  CHECK_THROWS_AS(arange(0, 1, 0), std::invalid_argument);
}

TEST_CASE("random: the same seed gives the same numbers and uniform stays in range") {
  manual_seed(42);
  Tensor a = randn({100});
  manual_seed(42);
  Tensor b = randn({100});
  CHECK(a.value() == b.value());
  Generator g1(7), g2(7);
  CHECK(rand({50}, g1, -2.0f, 3.0f).value() == rand({50}, g2, -2.0f, 3.0f).value());
  Generator g(1);
  Tensor u = rand({10000}, g, -1.0f, 1.0f);
  CHECK(xt::amin(u.value())() >= -1.0f);
  CHECK(xt::amax(u.value())() < 1.0f);
  // Loose moment checks: a broken generator (constant, wrong scale) fails them.
  Tensor n = randn({20000}, g);
  CHECK(std::fabs(mean(n).item()) < 0.05f);
  CHECK(std::fabs(mean(mul(n, n)).item() - 1.0f) < 0.05f);
}

TEST_CASE("tensor: requires_grad_ only on leaves") {
  Tensor a = tensor({1, 2}, true);
  Tensor b = a * 2.0f;
  CHECK_FALSE(b.is_leaf());
  CHECK_THROWS_AS(b.requires_grad_(false), std::invalid_argument);
  Tensor c = zeros({2});
  c.requires_grad_();
  CHECK(c.requires_grad());
}

TEST_CASE("build_info: names the GEMM backend and the instruction set") {
  BuildInfo info = build_info();
  CHECK_FALSE(info.gemm_backend.empty());
  CHECK_FALSE(info.simd.empty());
  CHECK(build_summary().find(info.gemm_backend) != std::string::npos);
}

TEST_CASE("tensor: an xt::xarray<float> (xtensor's own allocator) converts to Array") {
  xt::xarray<float> plain{{1, 2}, {3, 4}};
  Tensor t(plain);
  CHECK(t.value() == plain);
  Array shifted = plain + 1.0f;
  CHECK(shifted == Array{{2, 3}, {4, 5}});
}

TEST_CASE("tensor: from a flat buffer and a shape, copied, and a wrong length names both sizes") {
  std::vector<float> data{1, 2, 3, 4, 5, 6};
  Tensor t = tensor(data, {2, 3}, true);
  data[0] = 100.0f;  // the tensor holds a copy
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.value() == Array{{1, 2, 3}, {4, 5, 6}});
  CHECK(t.requires_grad());
  CHECK(tensor(data.data() + 4, {2}).value() == Array{5, 6});
  CHECK(tensor(std::vector<float>{7}, {}).item() == 7.0f);
  CHECK(tensor(std::vector<float>{}, {3, 0}).shape() == Shape{3, 0});
  CHECK_THROWS_WITH_AS(tensor(data, {4, 2}), "tensor: got 6 values for shape [4, 2], which needs 8",
                       std::invalid_argument);
  std::size_t huge = std::size_t{1} << 33;
  CHECK_THROWS_WITH_AS(tensor(data, {huge, huge, huge}),
                       "tensor: shape [8589934592, 8589934592, 8589934592] has more elements than memory can address",
                       std::invalid_argument);
  CHECK_THROWS_AS(tensor(static_cast<const float*>(nullptr), {2}), std::invalid_argument);
}

TEST_CASE("tensor: copy_ sets values through the same handle, refuses another shape, records nothing") {
  clear_tape();
  Tensor w = zeros({2, 2}, true);
  Tensor alias = w;  // as a module or an optimizer would hold it
  const float* storage = w.value().data();
  w.copy_(tensor({{1, 2}, {3, 4}}));
  CHECK(alias.value() == Array{{1, 2}, {3, 4}});
  CHECK(w.value().data() == storage);
  CHECK(tape_size() == 0);
  w.copy_(Array{{5, 6}, {7, 8}}).copy_(w);  // chains, and copying onto itself is harmless
  CHECK(alias.value() == Array{{5, 6}, {7, 8}});
  CHECK_THROWS_WITH_AS(w.copy_(zeros({4})), "copy_: expected values of this tensor's shape [2, 2], got [4]",
                       std::invalid_argument);
  CHECK(alias.value() == Array{{5, 6}, {7, 8}});
  CHECK(w.requires_grad());
}
