// End to end: Sequential(Linear(2,16), Tanh, Linear(16,1)) + BCEWithLogitsLoss + Adam learns two moons.
#include "support/testing.hpp"

using namespace xtgrad;

namespace {
// Two interleaving half circles with Gaussian noise, as scikit-learn's make_moons.
std::pair<Tensor, Tensor> two_moons(std::size_t n, float noise, Generator& gen) {
  Array x = Array::from_shape({n, 2});
  Array y = Array::from_shape({n, 1});
  for (std::size_t i = 0; i < n; ++i) {
    bool upper = i % 2 == 0;
    float t = static_cast<float>(M_PI) * gen.uniform();
    x(i, 0) = (upper ? std::cos(t) : 1.0f - std::cos(t)) + noise * gen.normal();
    x(i, 1) = (upper ? std::sin(t) : 0.5f - std::sin(t)) + noise * gen.normal();
    y(i, 0) = upper ? 0.0f : 1.0f;
  }
  return {Tensor(x), Tensor(y)};
}

float accuracy(const Tensor& logits, const Tensor& y) {
  std::size_t hits = 0;
  for (std::size_t i = 0; i < y.numel(); ++i) hits += (logits.value().data()[i] > 0.0f) == (y.value().data()[i] > 0.5f);
  return static_cast<float>(hits) / static_cast<float>(y.numel());
}
}  // namespace

TEST_CASE("training: an MLP with Adam reaches >= 97% on held-out two moons") {
  Generator gen(7);
  auto [x_train, y_train] = two_moons(400, 0.1f, gen);
  auto [x_test, y_test] = two_moons(400, 0.1f, gen);
  Sequential net{std::make_shared<Linear>(2, 16, true, gen), std::make_shared<Tanh>(),
                 std::make_shared<Linear>(16, 1, true, gen)};
  Adam adam(net.parameters(), AdamOptions(0.05));
  BCEWithLogitsLoss loss_fn;
  float first = 0, last = 0;
  for (int epoch = 0; epoch < 300; ++epoch) {
    adam.zero_grad();
    Tensor loss = loss_fn(net(x_train), y_train);
    (epoch == 0 ? first : last) = loss.item();
    loss.backward();
    adam.step();
  }
  CHECK(last < 0.25f * first);
  NoGrad no_grad;
  float acc = accuracy(net(x_test), y_test);
  CAPTURE(acc);
  CHECK(acc >= 0.97f);
}
