// Module: registration rules, dotted names, train/eval, zero_grad, repr, user-defined modules.
#include "support/testing.hpp"

using namespace xtgrad;

namespace {
// A user's module in a few lines: register members in the constructor, write forward().
struct TwoLayer : Module {
  std::shared_ptr<Linear> fc1 = std::make_shared<Linear>(3, 5);
  std::shared_ptr<Linear> fc2 = std::make_shared<Linear>(5, 1);
  Tensor scale = register_parameter("scale", ones({1}));
  TwoLayer() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override { return (*fc2)(relu((*fc1)(x))) * scale; }
  std::string type_name() const override { return "TwoLayer"; }
};

// torch: m.a = nn.Parameter(torch.ones(3)); m.register_parameter('b', m.a); lin = nn.Linear(2, 2);
// m.first = lin; m.second = lin; m.register_buffer('r', torch.zeros(2)); m.register_buffer('r2', m.r)
struct TiedModule : Module {
  Tensor a = register_parameter("a", ones({3}));
  std::shared_ptr<Linear> shared = std::make_shared<Linear>(2, 2);
  TiedModule() {
    register_parameter("b", a);
    register_buffer("r", zeros({2}));
    register_buffer("r2", named_buffers().front().second);
    register_module("first", shared);
    register_module("second", shared);
  }
  std::string type_name() const override { return "TiedModule"; }
};

std::vector<std::string> names_of(const NamedTensors& named) {
  std::vector<std::string> names;
  for (const auto& entry : named) names.push_back(entry.first);
  return names;
}

struct BadNames : Module {
  std::string type_name() const override { return "BadNames"; }
  void add(const std::string& name) { register_parameter(name, zeros({1})); }
};
}  // namespace

TEST_CASE("module: a user-defined module exposes dotted parameter names in registration order") {
  TwoLayer net;
  std::vector<std::string> names;
  for (auto& [name, p] : net.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(net.parameters().size() == 5);
  for (const Tensor& p : net.parameters()) CHECK(p.requires_grad());
  Tensor y = net(randn({4, 3}));
  CHECK(y.shape() == Shape{4, 1});
  sum(y).backward();
  CHECK(net.fc1->weight.has_grad());
  net.zero_grad();
  for (const Tensor& p : net.parameters()) CHECK_FALSE(p.has_grad());
}

TEST_CASE("module: empty, dotted and duplicate names are rejected with PyTorch's wording") {
  BadNames m;
  CHECK_THROWS_WITH_AS(m.add(""), "Parameter name must not be empty", std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.add("a.b"), "Parameter name must not contain a dot (got 'a.b')", std::invalid_argument);
  m.add("w");
  CHECK_THROWS_WITH_AS(m.add("w"), "Parameter 'w' already exists in BadNames", std::invalid_argument);
}

TEST_CASE("module: train and eval reach every child") {
  Sequential net{std::make_shared<Linear>(2, 3), std::make_shared<ReLU>()};
  CHECK(net.is_training());
  net.eval();
  CHECK_FALSE(net.is_training());
  CHECK_FALSE(net[0]->is_training());
  net.train();
  CHECK(net[1]->is_training());
}

TEST_CASE("sequential: names children 0, 1, 2 and prints like PyTorch") {
  Sequential net{std::make_shared<Linear>(2, 16), std::make_shared<Tanh>()};
  net.push_back(std::make_shared<Linear>(16, 1)).push_back(std::make_shared<Sigmoid>());
  CHECK(net.size() == 4);
  std::vector<std::string> names;
  for (auto& [name, p] : net.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(net.repr() ==
        "Sequential(\n  (0): Linear(in_features=2, out_features=16, bias=True)\n  (1): Tanh()\n"
        "  (2): Linear(in_features=16, out_features=1, bias=True)\n  (3): Sigmoid()\n)");
  CHECK_THROWS_AS(net[4], std::out_of_range);
  Tensor y = net(randn({5, 2}));
  CHECK(y.shape() == Shape{5, 1});
}

TEST_CASE("module: a module without a single-input forward says so") {
  BadNames m;
  CHECK_THROWS_AS(m(zeros({1})), std::logic_error);
}

TEST_CASE("module: a tensor registered under two names is one parameter, as in PyTorch, and trains once") {
  TiedModule m;
  // torch: [n for n, _ in m.named_parameters()] is ['a', 'first.weight', 'first.bias'];
  // list(m.state_dict()) is ['a', 'b', 'r', 'r2', 'first.weight', 'first.bias', 'second.weight',
  // 'second.bias']; [n for n, _ in m.named_buffers()] is ['r'].
  CHECK(names_of(m.named_parameters()) == std::vector<std::string>{"a", "first.weight", "first.bias"});
  CHECK(m.parameters().size() == 3);
  CHECK(names_of(m.state_dict()) ==
        std::vector<std::string>{"a", "b", "r", "r2", "first.weight", "first.bias", "second.weight", "second.bias"});
  CHECK(names_of(m.named_buffers()) == std::vector<std::string>{"r"});
  // torch: SGD(m.parameters(), lr=0.1); ((m.a * x).sum() + (m.b * y).sum()).backward(); step()
  // gives a = 1 − 0.1·(x + y) = [-0.1, -1.2, -2.3].
  SGD sgd(m.parameters(), 0.1);
  Tensor b = m.state_dict()[1].second;
  (sum(m.a * tensor({1, 2, 3})) + sum(b * tensor({10, 20, 30}))).backward();
  sgd.step();
  CHECK(m.a.value()(0) == doctest::Approx(-0.1));
  CHECK(m.a.value()(1) == doctest::Approx(-1.2));
  CHECK(m.a.value()(2) == doctest::Approx(-2.3));
}
