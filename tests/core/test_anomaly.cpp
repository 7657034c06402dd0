// DetectAnomaly: the first op whose backward makes a NaN or inf is named, with its input shapes.
#include "support/testing.hpp"

using namespace xtgrad;

TEST_CASE("DetectAnomaly: names the op that produced a non-finite gradient and its input shapes") {
  Tensor x = tensor({0.0f, 1.0f, 4.0f}, true);
  {
    DetectAnomaly guard;
    CHECK(is_anomaly_enabled());
    Tensor y = sum(sqrt(x) * 2.0f);  // d sqrt/dx = 1/(2√x) is inf at 0
    CHECK_THROWS_WITH_AS(y.backward(),
                         "backward of 'sqrt' produced a gradient holding NaN or inf for input 0; its inputs have "
                         "shapes [3]",
                         std::runtime_error);
  }
  CHECK_FALSE(is_anomaly_enabled());
  clear_tape();
  // Without the guard the same backward runs and leaves inf in the gradient, as PyTorch.
  x.zero_grad();
  sum(sqrt(x)).backward();
  CHECK(std::isinf(x.grad()(0)));
}

TEST_CASE("DetectAnomaly: a finite backward is unaffected, and guards nest") {
  Tensor w = tensor({{1, 2}, {3, 4}}, true);
  DetectAnomaly outer;
  { DetectAnomaly inner; }
  CHECK(is_anomaly_enabled());
  sum(softmax(w, 1) * w).backward();
  CHECK(w.has_grad());
}
