// Quick start: the shortest complete xtgrad program. A small MLP learns which points of the
// square [-1, 1]² lie inside a circle; it is evaluated on fresh points and saved.
// [snippet:quickstart]
#include <cstdio>
#include <filesystem>

#include <xtgrad/io.hpp>  // save_weights (files); it includes xtgrad/xtgrad.hpp

using namespace xtgrad;

int main(int argc, char** argv) {
  Generator gen(0);
  auto make_points = [&](std::size_t n) {  // x [n, 2]; y [n, 1] = 1 inside radius 0.7
    Array x = rand({n, 2}, gen, -1.0f, 1.0f).value(), y = Array::from_shape({n, 1});
    for (std::size_t i = 0; i < n; ++i) y(i, 0) = x(i, 0) * x(i, 0) + x(i, 1) * x(i, 1) < 0.49f;
    return std::make_pair(Tensor(x), Tensor(y));
  };
  auto [x_train, y_train] = make_points(512);
  auto [x_test, y_test] = make_points(512);

  Sequential model{std::make_shared<Linear>(2, 16, true, gen), std::make_shared<ReLU>(),
                   std::make_shared<Linear>(16, 1, true, gen)};
  Adam optimizer(model.parameters(), AdamOptions(0.05));
  BCEWithLogitsLoss loss_fn;  // sigmoid + binary cross-entropy, computed from the logit
  for (int step = 1; step <= 300; ++step) {
    optimizer.zero_grad();
    Tensor loss = loss_fn(model(x_train), y_train);
    loss.backward();
    optimizer.step();
    if (step % 50 == 0) std::printf("step %3d  loss %.4f\n", step, loss.item());
  }

  NoGrad no_grad;  // evaluation: nothing to record
  Array p = sigmoid(model(x_test)).value();
  std::printf("test accuracy %.1f%%\n", 100.0 * accuracy(p, y_test.value()));
  std::string folder = argc > 1 ? argv[1] : "runs/quickstart";
  std::filesystem::create_directories(folder);
  save_weights(model, folder + "/model.json");  // for `xtgrad predict` and `xtgrad inspect`
  std::printf("saved %s/model.json\n", folder.c_str());
}
// [end-snippet]
