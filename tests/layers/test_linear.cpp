// Linear and the activation modules against PyTorch fixtures; init; gradchecks; errors.
#include "support/fixtures.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;
using Inputs = std::vector<Tensor>;

TEST_CASE("linear: forward and gradients match PyTorch") {
  for (const Json& c : fixture_cases("layers.json", "linear")) {
    std::size_t in = c.at("in_features"), out = c.at("out_features");
    bool bias = c.at("bias");
    CAPTURE(in);
    CAPTURE(out);
    Linear layer(in, out, bias);
    load_parameters(layer, c.at("params"));
    Tensor x = to_tensor(c.at("input"), true);
    Tensor y = layer(x);
    CHECK_ALL_CLOSE(y.value(), to_array(c.at("output")));
    y.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    CHECK_ALL_CLOSE(layer.weight.grad(), to_array(c.at("grads").at("weight")));
    if (bias) CHECK_ALL_CLOSE(layer.bias.grad(), to_array(c.at("grads").at("bias")));
  }
}

TEST_CASE("activations: ops and modules match PyTorch, including ±1000") {
  std::map<std::string, std::function<Tensor(const Tensor&)>> ops{
      {"relu", [](const Tensor& t) { return ReLU()(t); }},
      {"tanh", [](const Tensor& t) { return Tanh()(t); }},
      {"sigmoid", [](const Tensor& t) { return Sigmoid()(t); }},
      {"softplus", [](const Tensor& t) { return softplus(t); }},
      {"log_sigmoid", [](const Tensor& t) { return log_sigmoid(t); }}};
  for (const Json& c : fixture_cases("layers.json", "activations")) {
    std::string name = c.at("name");
    CAPTURE(name);
    Tensor x = to_tensor(c.at("input"), true);
    Tensor y = ops.at(name)(x);
    CHECK_ALL_CLOSE(y.value(), to_array(c.at("output")));
    y.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
  }
}

TEST_CASE("mlp: a Sequential with BCEWithLogitsLoss matches PyTorch's output, loss and gradients") {
  const Json& c = load_fixture("layers.json").at("mlp");
  Sequential net{std::make_shared<Linear>(3, 8), std::make_shared<Tanh>(), std::make_shared<Linear>(8, 4),
                 std::make_shared<ReLU>(), std::make_shared<Linear>(4, 1)};
  load_parameters(net, c.at("params"));
  Tensor x = to_tensor(c.at("input"), true);
  Tensor logits = net(x);
  CHECK_ALL_CLOSE(logits.value(), to_array(c.at("output")));
  Tensor loss = BCEWithLogitsLoss()(logits, to_tensor(c.at("target")));
  CHECK_ALL_CLOSE(loss.value(), to_array(c.at("loss")));
  loss.backward();
  for (auto& [name, p] : net.named_parameters()) {
    CAPTURE_BINDING(name);
    CHECK_ALL_CLOSE(p.grad(), to_array(c.at("grads").at(name)));
  }
  CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
}

TEST_CASE("linear: PyTorch's init bound, and the same seed gives the same weights") {
  manual_seed(3);
  Linear a(50, 20);
  manual_seed(3);
  Linear b(50, 20);
  CHECK(a.weight.value() == b.weight.value());
  CHECK(a.bias.value() == b.bias.value());
  float bound = 1.0f / std::sqrt(50.0f);
  CHECK(xt::amax(xt::abs(a.weight.value()))() <= bound);
  CHECK(xt::amax(xt::abs(a.weight.value()))() > 0.9f * bound);  // spans the range, not a tiny init
  CHECK(xt::amax(xt::abs(a.bias.value()))() <= bound);
  Generator g1(9), g2(9);
  CHECK(Linear(4, 3, true, g1).weight.value() == Linear(4, 3, true, g2).weight.value());
  CHECK(a.weight.shape() == Shape{20, 50});
  CHECK(Linear(3, 2, false).named_parameters().size() == 1);
}

TEST_CASE("linear and activation modules: gradcheck") {
  Linear layer(4, 3);
  Linear no_bias(4, 3, false);
  Generator gen(8);
  Inputs in{randn({5, 4}, gen, true), layer.weight, layer.bias};
  auto f = [&](const Inputs& v) { return linear(v[0], v[1], v[2]); };
  CHECK_GRADCHECK(f, in);
  CHECK_GRADCHECK([&](const Inputs& v) { return no_bias(v[0]); }, Inputs{randn({2, 4}, gen, true)});
  CHECK_GRADCHECK([&](const Inputs& v) { return layer(v[0]); }, Inputs{randn({4}, gen, true)});
  Inputs x{randn({3, 4}, gen, true)};
  CHECK_GRADCHECK([](const Inputs& v) { return Tanh()(v[0]); }, x);
  CHECK_GRADCHECK([](const Inputs& v) { return Sigmoid()(v[0]); }, x);
  CHECK_GRADCHECK([](const Inputs& v) { return ReLU()(v[0]); }, x);
  Sequential net{std::make_shared<Linear>(4, 6), std::make_shared<Tanh>(), std::make_shared<Linear>(6, 2)};
  CHECK_GRADCHECK([&](const Inputs& v) { return net(v[0]); }, x);
}

TEST_CASE("linear: bad sizes and inputs are reported") {
  CHECK_THROWS_AS(Linear(0, 3), std::invalid_argument);
  CHECK_THROWS_AS(Linear(static_cast<std::size_t>(-1), 3), std::invalid_argument);
  Linear layer(4, 2);
  CHECK_THROWS_WITH_AS(layer(zeros({3, 5})), "Linear: expected input of shape [*, 4] (in_features=4), got [3, 5]",
                       std::invalid_argument);
  CHECK_THROWS_AS(layer(zeros({2, 3, 5})), std::invalid_argument);
  CHECK_THROWS_AS(layer(scalar(4)), std::invalid_argument);
}
