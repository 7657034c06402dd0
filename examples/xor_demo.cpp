// The smallest demo: a 2-16-1 network written with raw ops learns XOR by gradient descent,
// printing its loss as it falls.
#include <cstdio>

#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

int main() {
  std::printf("%s\n", build_summary().c_str());
  Generator gen(2024);
  Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  Tensor y = reshape(tensor({0, 1, 1, 0}), {4, 1});
  // Parameters: hidden layer [2, 16] and output layer [16, 1].
  Tensor w1 = (randn({2, 16}, gen) * 0.8f).detach().requires_grad_();
  Tensor b1 = zeros({16}, true);
  Tensor w2 = (randn({16, 1}, gen) * 0.5f).detach().requires_grad_();
  Tensor b2 = zeros({1}, true);

  auto forward = [&] { return matmul(tanh(matmul(x, w1) + b1), w2) + b2; };
  for (int step = 0; step <= 1500; ++step) {
    Tensor z = forward();
    // binary cross-entropy from logits: −[y log σ(z) + (1−y) log σ(−z)]
    Tensor loss = -mean(y * log_sigmoid(z) + (1.0f - y) * log_sigmoid(-z));
    if (step % 150 == 0) std::printf("step %4d  loss %.5f\n", step, loss.item());
    loss.backward();
    NoGrad no_grad;  // the update itself is not part of the graph
    for (Tensor* p : {&w1, &b1, &w2, &b2}) {
      p->mutable_value() -= 0.5f * p->grad();
      p->zero_grad();
    }
  }
  NoGrad no_grad;
  Array p = sigmoid(forward()).value();
  std::printf("\n x1 x2 | target | p(y=1)\n");
  int correct = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    bool hit = (p(i, 0) > 0.5f) == (y.value()(i, 0) > 0.5f);
    correct += hit;
    std::printf("  %.0f  %.0f |   %.0f    | %.4f %s\n", x.value()(i, 0), x.value()(i, 1), y.value()(i, 0), p(i, 0),
                hit ? "" : "(wrong)");
  }
  std::printf("\n%d of 4 points classified correctly\n", correct);
  return correct == 4 ? 0 : 1;
}
