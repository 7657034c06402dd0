// End to end: a 2-16-1 network written with raw ops learns XOR by plain gradient descent.
#include "support/testing.hpp"

using namespace xtgrad;

TEST_CASE("xor: a raw-op MLP classifies all four points") {
  Generator gen(2024);
  Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  Tensor y = reshape(tensor({0, 1, 1, 0}), {4, 1});
  Tensor w1 = randn({2, 16}, gen) * 0.8f;
  Tensor b1 = zeros({16});
  Tensor w2 = randn({16, 1}, gen) * 0.5f;
  Tensor b2 = zeros({1});
  for (Tensor* p : {&w1, &b1, &w2, &b2}) p->requires_grad_();

  auto logits = [&] { return matmul(tanh(matmul(x, w1) + b1), w2) + b2; };
  auto loss_of = [&](const Tensor& z) {
    // binary cross-entropy from logits: −[y log σ(z) + (1−y) log σ(−z)]
    return -mean(y * log_sigmoid(z) + (1.0f - y) * log_sigmoid(-z));
  };
  float first_loss = 0, last_loss = 0;
  for (int step = 0; step < 1500; ++step) {
    Tensor loss = loss_of(logits());
    if (step == 0) first_loss = loss.item();
    last_loss = loss.item();
    loss.backward();
    NoGrad no_grad;
    for (Tensor* p : {&w1, &b1, &w2, &b2}) {
      p->mutable_value() -= 0.5f * p->grad();
      p->zero_grad();
    }
  }
  CHECK(last_loss < 0.1f * first_loss);
  NoGrad no_grad;
  Array p = sigmoid(logits()).value();
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK((p(i, 0) > 0.5f) == (y.value()(i, 0) > 0.5f));
  }
}
