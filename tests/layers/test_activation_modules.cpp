// The activation modules of issue 15 (LeakyReLU, ELU, GELU, SiLU, Softplus, Hardtanh, Softmax,
// LogSoftmax) and Flatten, Identity: PyTorch fixtures through the registry, gradchecks, configs.
#include "layers/layer_fixtures.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

TEST_CASE("activation modules: built from their configs, forward and input gradients match PyTorch") {
  std::size_t checked = 0;
  for (const Json& c : layer_cases("pointwise")) {
    std::string config = c.at("module").dump();
    CAPTURE(config);
    auto module = build_case_module(c);
    Tensor x = to_tensor(c.at("input"), true);
    Tensor y = (*module)(x);
    CHECK_ALL_CLOSE(y.value(), to_array(c.at("output")));
    y.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    // The config written back is the one PyTorch's options were given as.
    CHECK(to_json(describe(*module)) == c.at("module"));
    ++checked;
  }
  CHECK(checked == 13);
}

TEST_CASE("activation functions: gradcheck each, inputs away from their kinks") {
  Generator gen(15);
  Tensor x = randn({3, 5}, gen, true);
  for (float& v : x.mutable_value()) v = v * 2.0f + (std::fabs(v) < 0.05f ? 0.3f : 0.0f);  // no |x| near 0
  std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> fns{
      {"leaky_relu", [](const Tensor& t) { return leaky_relu(t, 0.1f); }},
      {"elu", [](const Tensor& t) { return elu(t, 0.7f); }},
      {"gelu", [](const Tensor& t) { return gelu(t); }},
      {"gelu tanh", [](const Tensor& t) { return gelu(t, GeluApproximation::Tanh); }},
      {"silu", [](const Tensor& t) { return silu(t); }},
      {"softplus beta", [](const Tensor& t) { return softplus(t, 1.5f, 3.0f); }},
      {"hardtanh", [](const Tensor& t) { return hardtanh(t, -4.9f, 4.1f); }},
      {"Softmax", [](const Tensor& t) { return Softmax(0)(t); }},
      {"LogSoftmax", [](const Tensor& t) { return LogSoftmax(-1)(t); }},
      {"Flatten", [](const Tensor& t) { return Flatten(0)(t); }}};
  for (auto& [name, f] : fns) {
    CAPTURE_BINDING(name);
    CHECK_GRADCHECK([&fn = f](const std::vector<Tensor>& in) { return fn(in[0]); }, std::vector<Tensor>{x});
  }
}

TEST_CASE("activation modules: exact values at the edges") {
  Tensor x = tensor({-1000.0f, -2.0f, 0.0f, 2.0f, 1000.0f});
  CHECK(leaky_relu(x, 0.5f).value() == Array{-500.0f, -1.0f, 0.0f, 2.0f, 1000.0f});
  CHECK(elu(x).value()(0) == -1.0f);     // α(e^−1000 − 1)
  CHECK(gelu(x).value()(4) == 1000.0f);  // Φ(1000) = 1
  CHECK(gelu(x).value()(0) == 0.0f);     // −1000·Φ(−1000) = −0: no NaN
  CHECK(silu(x).value()(0) == 0.0f);
  CHECK(softplus(x, 2.0f, 20.0f).value()(4) == 1000.0f);  // past the threshold: x itself
  CHECK(hardtanh(x, -1.0f, 1.0f).value() == Array{-1.0f, -1.0f, 0.0f, 1.0f, 1.0f});
  Tensor image = zeros({2, 3, 4});
  CHECK(Flatten()(image).shape() == Shape{2, 12});
  CHECK(Identity()(image).same_as(image));
}

TEST_CASE("activation modules: bad options are refused naming the option") {
  CHECK_THROWS_WITH_AS(GELU("fast"), "GELU: approximate must be \"none\" or \"tanh\", got \"fast\"",
                       std::invalid_argument);
  // torch 1.13's nn.Hardtanh(1.0, 1.0) fails its `assert self.max_val > self.min_val` too.
  CHECK_THROWS_WITH_AS(Hardtanh(1.0, 1.0),
                       "Hardtanh: max_val must be greater than min_val, got min_val=1.0, max_val=1.0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Hardtanh(1.0, -1.0),
                       "Hardtanh: max_val must be greater than min_val, got min_val=1.0, max_val=-1.0",
                       std::invalid_argument);
  CHECK_THROWS_AS(build_module(value_from_json(Json{{"type", "Hardtanh"}, {"min_val", 0.5}, {"max_val", 0.5}}, "m")),
                  std::invalid_argument);
  CHECK_THROWS_WITH_AS(Softplus(0.0), "Softplus: beta must be non-zero", std::invalid_argument);
  CHECK_THROWS_WITH_AS(LeakyReLU(std::nan("")), doctest::Contains("LeakyReLU: negative_slope must be finite"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_module(value_from_json(Json{{"type", "Softmax"}}, "m")), doctest::Contains("dim"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Softmax(3)(zeros({2, 2})), doctest::Contains("softmax"), std::invalid_argument);
  CHECK(LeakyReLU(0.2).repr() == "LeakyReLU(negative_slope=0.2)");
  CHECK(GELU("tanh").repr() == "GELU(approximate='tanh')");
}
