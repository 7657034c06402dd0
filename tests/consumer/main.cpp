// Builds against the installed headers and libraries (static or shared), and checks one gradient
// end to end and a module built by the library.
#include <cmath>
#include <cstdio>
#include <memory>

#include <xtgrad/xtgrad.hpp>

int main() {
  using namespace xtgrad;
  Tensor w = tensor({{1, 2}, {3, 4}}, true);
  Tensor x = tensor({{1, 1}});
  sum(sigmoid(matmul(x, w))).backward();  // d/dw = xᵀ σ'(x w)
  std::printf("%s\ngrad w = %s\n", build_summary().c_str(), Tensor(w.grad()).to_string().c_str());
  // x w = [4, 6], so each row of the gradient is [σ'(4), σ'(6)] with σ' = σ(1 − σ).
  auto dsigma = [](double z) {
    double s = 1.0 / (1.0 + std::exp(-z));
    return s * (1.0 - s);
  };
  bool ok = true;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) ok = ok && std::fabs(w.grad()(r, c) - dsigma(c == 0 ? 4.0 : 6.0)) < 1e-6;
  // A module the library builds from a description is, to the program, the class it names: with
  // libxtgrad.so this needs Linear's typeinfo exported.
  std::shared_ptr<Module> built = build_module(describe(Linear(2, 3)));
  bool same_class = std::dynamic_pointer_cast<Linear>(built) != nullptr;
  std::printf("%s\n", !ok           ? "consumer: WRONG gradient"
                      : !same_class ? "consumer: built module is not a Linear"
                                    : "consumer OK");
  ok = ok && same_class;
  return ok ? 0 : 1;
}
