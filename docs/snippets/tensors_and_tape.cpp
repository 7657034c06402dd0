// Guide snippets: tensors, the tape, NoGrad, custom ops and gradcheck. Compiled and run by CTest.
#include <cstdio>
#include <vector>

#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

bool tensors_and_tape() {
  // [snippet:tape]
  Tensor w = randn({3, 2}, /*requires_grad=*/true);  // a leaf: gradients accumulate here
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});         // data: no gradient needed
  Tensor loss = mean(sigmoid(matmul(x, w)));         // each op appends one tape entry
  loss.backward();                                   // reverse pass; fills w.grad()
  std::printf("loss %.4f, dloss/dw[0][0] %.4f\n", loss.item(), w.grad()(0, 0));
  {
    NoGrad no_grad;  // nothing is recorded in this scope
    w.mutable_value() -= 0.1f * w.grad();
  }
  w.zero_grad();
  // [end-snippet]
  return !w.has_grad() && tape_size() == 0;
}

bool shapes() {
  // [snippet:shapes]
  std::vector<float> pixels(2 * 3 * 4, 0.5f);
  Tensor batch = tensor(pixels, {2, 3, 4});  // a copy; throws unless there are 2·3·4 values
  Linear layer(4, 5);
  Tensor y = layer(batch);                        // [*, in] -> [*, out]: [2, 3, 5]
  Tensor scores = matmul(y, transpose(y, 1, 2));  // batched: [2, 3, 5] @ [2, 5, 3] -> [2, 3, 3]
  layer.bias.copy_(zeros({5}));                   // checked: a source of another shape throws
  // [end-snippet]
  return scores.shape() == Shape{2, 3, 3} && layer.bias.value()(0) == 0.0f;
}

// [snippet:custom-op]
// cube(x) = x³, with its backward right below the forward: d(x³)/dx = 3x².
Tensor cube(const Tensor& x) {
  Array y = x.value() * x.value() * x.value();
  return record("cube", std::move(y), {x},
                [](BackwardContext& ctx) { ctx.add(0, Array(3.0f * ctx.input(0) * ctx.input(0) * ctx.grad())); });
}

bool check_cube() {
  Tensor x = tensor({0.5f, -1.0f, 2.0f}, /*requires_grad=*/true);
  GradcheckResult result = gradcheck([](const std::vector<Tensor>& in) { return cube(in[0]); }, {x});
  std::printf("%s\n", result.message.c_str());  // "gradcheck passed: worst element is ..."
  return result.ok;
}
// [end-snippet]

int main() {
  bool ok = tensors_and_tape();
  ok = check_cube() && ok;
  ok = shapes() && ok;
  return ok ? 0 : 1;
}
