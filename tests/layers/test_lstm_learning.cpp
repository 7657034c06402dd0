// An LSTMClassifier learns a task that needs memory: the label is the XOR of two marked bits
// at random positions in a sequence of 20 steps.
#include "support/testing.hpp"

using namespace xtgrad;

namespace {

// Each step holds [bit, marker]; exactly two steps are marked and carry a random bit (the
// others are zeros); label = XOR of the two bits.
std::pair<Tensor, Tensor> marked_xor(std::size_t count, std::size_t steps, Generator& gen) {
  Array x = xt::zeros<float>({count, steps, std::size_t{2}});
  Array y = Array::from_shape({count, std::size_t{1}});
  for (std::size_t n = 0; n < count; ++n) {
    std::size_t first = gen.below(steps), second = gen.below(steps - 1);
    if (second >= first) ++second;
    x(n, first, 1) = x(n, second, 1) = 1.0f;
    x(n, first, 0) = static_cast<float>(gen.below(2));
    x(n, second, 0) = static_cast<float>(gen.below(2));
    y(n, 0) = static_cast<float>(static_cast<int>(x(n, first, 0)) ^ static_cast<int>(x(n, second, 0)));
  }
  return {Tensor(x), Tensor(y)};
}

float accuracy(LSTMClassifier& model, const Tensor& x, const Tensor& y) {
  NoGrad no_grad;
  Array logits = model(x).value();
  std::size_t hits = 0;
  for (std::size_t i = 0; i < y.numel(); ++i) hits += (logits.data()[i] > 0.0f) == (y.value().data()[i] > 0.5f);
  return static_cast<float>(hits) / static_cast<float>(y.numel());
}

}  // namespace

TEST_CASE("lstm classifier: learns the XOR of two marked bits in 20-step sequences (>= 95% held out)") {
  const std::size_t steps = 20, batch = 32;
  Generator gen(1);
  auto [x_train, y_train] = marked_xor(4096, steps, gen);
  auto [x_val, y_val] = marked_xor(512, steps, gen);
  auto [x_test, y_test] = marked_xor(1024, steps, gen);
  LSTMClassifier model(2, 32, 1, gen);
  Adam adam(model.parameters(), AdamOptions(0.01));
  BCEWithLogitsLoss loss_fn;
  float val_acc = 0.0f;
  int epoch = 0;
  for (; epoch < 80 && val_acc < 0.98f; ++epoch) {
    for (std::size_t start = 0; start < 4096; start += batch) {
      Tensor xb = narrow(x_train, 0, start, batch), yb = narrow(y_train, 0, start, batch);
      adam.zero_grad();
      Tensor loss = loss_fn(model(xb), yb);
      loss.backward();
      clip_grad_norm_(model.parameters(), 1.0);
      adam.step();
    }
    val_acc = accuracy(model, x_val, y_val);
  }
  float test_acc = accuracy(model, x_test, y_test);
  CAPTURE(epoch);
  CAPTURE(val_acc);
  CHECK(test_acc >= 0.95f);
  MESSAGE("epochs: " << epoch << ", held-out accuracy: " << test_acc);
}
