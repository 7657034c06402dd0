// Guide snippets: writing a module, losses, optimizers and schedulers, the LSTM. Compiled and run by CTest.
#include <cstdio>

#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

// [snippet:module]
// A module registers its parameters and children; named_parameters() then gives PyTorch's
// dotted names ("hidden.weight", "out.bias", "scale").
struct TwoLayerNet : Module {
  std::shared_ptr<Linear> hidden = std::make_shared<Linear>(4, 16);
  std::shared_ptr<Linear> out = std::make_shared<Linear>(16, 1);
  Tensor scale = register_parameter("scale", ones({1}));

  TwoLayerNet() {
    register_module("hidden", hidden);
    register_module("out", out);
  }
  Tensor forward(const Tensor& x) override { return (*out)(relu((*hidden)(x))) * scale; }
  std::string type_name() const override { return "TwoLayerNet"; }
};
// [end-snippet]

bool train() {
  // [snippet:training]
  manual_seed(0);
  TwoLayerNet net;
  Tensor x = randn({64, 4});
  Tensor y = zeros({64, 1});
  for (std::size_t i = 0; i < 64; ++i) y.mutable_value()(i, 0) = x.value()(i, 0) > 0.0f ? 1.0f : 0.0f;

  Adam optimizer(net.parameters(), AdamOptions(0.01));
  StepLR schedule(optimizer, /*step_size=*/50, /*gamma=*/0.5);
  BCEWithLogitsLoss loss_fn;  // mean reduction; weight and pos_weight are optional

  for (int epoch = 0; epoch < 200; ++epoch) {
    optimizer.zero_grad();
    Tensor loss = loss_fn(net(x), y);
    loss.backward();
    clip_grad_norm_(net.parameters(), /*max_norm=*/5.0);
    optimizer.step();
    schedule.step();
  }
  for (const auto& [name, p] : net.named_parameters())
    std::printf("%-14s %s\n", name.c_str(), shape_str(p.shape()).c_str());
  // [end-snippet]
  NoGrad no_grad;
  return accuracy(sigmoid(net(x)).value(), y.value()) > 0.9;
}

bool lstm() {
  // [snippet:lstm]
  LSTM lstm(/*input_size=*/8, /*hidden_size=*/32, /*num_layers=*/2, /*bias=*/true, /*batch_first=*/true);
  Tensor sequences = randn({5, 20, 8});                       // [batch, steps, features]
  LSTMOutput result = lstm.forward(sequences, std::nullopt);  // zero initial state
  // result.output: every h_t of the last layer, [5, 20, 32]
  // result.state.h, result.state.c: [num_layers, batch, hidden] = [2, 5, 32]

  LSTMClassifier classifier(/*input_size=*/8, /*hidden_size=*/32, /*num_layers=*/1);
  Tensor logits = classifier(sequences);  // [5, 1], from the last step's h
  // [end-snippet]
  return result.output.shape() == Shape{5, 20, 32} && result.state.h.shape() == Shape{2, 5, 32} &&
         logits.shape() == Shape{5, 1};
}

int main() {
  bool ok = train();
  ok = lstm() && ok;
  return ok ? 0 : 1;
}
