// torch_bench: the same workloads as xtgrad_bench, written with libtorch's C++ frontend, so the
// two can be compared line for line. Prints "workload=W1 impl=libtorch threads=1 us_per_step=...".
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "harness.hpp"

namespace {

constexpr std::uint64_t kSeed = 1234;

using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

/// in → hidden → hidden → 1, with ReLU (or Tanh) after each hidden layer, as xtgrad_bench builds it.
torch::nn::Sequential mlp(int64_t in, int64_t hidden, bool use_tanh) {
  torch::nn::Sequential net;
  auto add_activation = [&] {
    if (use_tanh) {
      net->push_back(torch::nn::Tanh());
    } else {
      net->push_back(torch::nn::ReLU());
    }
  };
  net->push_back(torch::nn::Linear(in, hidden));
  add_activation();
  net->push_back(torch::nn::Linear(hidden, hidden));
  add_activation();
  net->push_back(torch::nn::Linear(hidden, 1));
  return net;
}

/// W4: LSTM(8 → 64) over the sequence, its last hidden state → Linear(64, 1).
struct LstmNet : torch::nn::Module {
  LstmNet() {
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(8, 64)));
    head = register_module("head", torch::nn::Linear(64, 1));
  }
  /// x [steps, batch, 8] -> logits [batch, 1]
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor h_n = std::get<0>(std::get<1>(lstm->forward(x)));  // [layers = 1, batch, 64]
    return head->forward(h_n[0]);
  }
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear head{nullptr};
};

/// W7 (GRU) and W9 (bidirectional LSTM): 8 → 64 over the sequence, the last layer's final hidden
/// states of both directions side by side → Linear(D·64, 1).
struct RecurrentNet : torch::nn::Module {
  RecurrentNet(bool gru, bool bidirectional) : directions(bidirectional ? 2 : 1) {
    if (gru) {
      this->gru = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(8, 64).bidirectional(bidirectional)));
    } else {
      lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(8, 64).bidirectional(bidirectional)));
    }
    head = register_module("head", torch::nn::Linear(64 * directions, 1));
  }
  /// x [steps, batch, 8] -> logits [batch, 1]
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor h_n = gru ? std::get<1>(gru->forward(x)) : std::get<0>(std::get<1>(lstm->forward(x)));
    torch::Tensor last = h_n.narrow(0, h_n.size(0) - directions, directions);  // [D, batch, 64]
    return head->forward(last.permute({1, 0, 2}).reshape({x.size(1), -1}));
  }
  int64_t directions;
  torch::nn::GRU gru{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear head{nullptr};
};

/// Labels of 0 and 1, half of each on average.
torch::Tensor random_labels(int64_t batch) { return torch::randint(0, 2, {batch, 1}).to(torch::kFloat); }

/// One training step: zero_grad, forward, BCE-with-logits loss, backward, Adam (lr 1e-3).
/// (libtorch 1.13's C++ zero_grad() zero-fills the gradients; xtgrad's drops them.)
std::function<void()> training_step(Forward forward, const std::vector<torch::Tensor>& params, torch::Tensor x,
                                    torch::Tensor y) {
  auto optimizer = std::make_shared<torch::optim::Adam>(params, torch::optim::AdamOptions(1e-3));
  return [forward, optimizer, x, y] {
    optimizer->zero_grad();
    torch::Tensor loss = torch::binary_cross_entropy_with_logits(forward(x), y);
    loss.backward();
    optimizer->step();
  };
}

struct MlpSpec {
  int64_t in, hidden, batch;
  bool use_tanh;
};

std::function<void()> mlp_training_step(const MlpSpec& spec) {
  torch::nn::Sequential net = mlp(spec.in, spec.hidden, spec.use_tanh);
  torch::Tensor x = torch::randn({spec.batch, spec.in});
  torch::Tensor y = random_labels(spec.batch);
  return training_step([net](const torch::Tensor& in) mutable { return net->forward(in); }, net->parameters(), x, y);
}

std::function<void()> lstm_training_step() {
  auto net = std::make_shared<LstmNet>();
  torch::Tensor x = torch::randn({32, 32, 8});  // [steps, batch, input]
  torch::Tensor y = random_labels(32);
  return training_step([net](const torch::Tensor& in) { return net->forward(in); }, net->parameters(), x, y);
}

std::function<void()> recurrent_training_step(bool gru, bool bidirectional) {
  auto net = std::make_shared<RecurrentNet>(gru, bidirectional);
  torch::Tensor x = torch::randn({32, 32, 8});  // [steps, batch, input]
  torch::Tensor y = random_labels(32);
  return training_step([net](const torch::Tensor& in) { return net->forward(in); }, net->parameters(), x, y);
}

/// One training step of a 10-class classifier on input x [128, ...]: cross-entropy on random class
/// indices, AdamW (lr 1e-3, weight decay 1e-2).
std::function<void()> classifier_step(torch::nn::Sequential net, torch::Tensor x) {
  torch::Tensor y = torch::randint(0, 10, {x.size(0)}, torch::kLong);
  auto optimizer =
      std::make_shared<torch::optim::AdamW>(net->parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(1e-2));
  return [net, optimizer, x, y]() mutable {
    optimizer->zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    optimizer->step();
  };
}

/// W6: MLP 64 → 128 → 10 (ReLU), batch 128, cross-entropy on class indices, AdamW (lr 1e-3,
/// weight decay 1e-2).
std::function<void()> multiclass_step() {
  torch::nn::Sequential net;
  net->push_back(torch::nn::Linear(64, 128));
  net->push_back(torch::nn::ReLU());
  net->push_back(torch::nn::Linear(128, 10));
  torch::Tensor x = torch::randn({128, 64});
  return classifier_step(net, x);
}

/// W8: MLP 256 → 512 → 512 → 10, each hidden Linear followed by LayerNorm, GELU (erf) and
/// Dropout(0.1) in training mode, batch 128, cross-entropy on class indices, AdamW (lr 1e-3,
/// weight decay 1e-2).
std::function<void()> normalized_mlp_step() {
  torch::nn::Sequential net;
  int64_t in = 256;
  for (int64_t width : {512, 512}) {
    net->push_back(torch::nn::Linear(in, width));
    net->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    net->push_back(torch::nn::GELU());
    net->push_back(torch::nn::Dropout(0.1));
    in = width;
  }
  net->push_back(torch::nn::Linear(in, 10));
  net->train();
  torch::Tensor x = torch::randn({128, 256});
  return classifier_step(net, x);
}

/// Inference: forward without recording, then σ of the logits.
std::function<void()> inference_step(const MlpSpec& spec) {
  torch::nn::Sequential net = mlp(spec.in, spec.hidden, spec.use_tanh);
  torch::Tensor x = torch::randn({spec.batch, spec.in});
  return [net, x]() mutable {
    torch::NoGradGuard no_grad;
    torch::Tensor probabilities = torch::sigmoid(net->forward(x));
    (void)probabilities;
  };
}

/// y = σ(x) and its backward from a fixed random upstream gradient, on n floats.
std::function<void()> sigmoid_step(int64_t n) {
  torch::Tensor x = torch::randn({n}).requires_grad_();
  torch::Tensor upstream = torch::randn({n});
  return [x, upstream]() mutable {
    x.mutable_grad().reset();  // set_to_none, as xtgrad's zero_grad, so backward stores a fresh gradient
    torch::Tensor y = torch::sigmoid(x);
    y.backward(upstream);
  };
}

const MlpSpec kSmall{2, 16, 64, false};
const MlpSpec kMedium{30, 128, 256, true};
const MlpSpec kLarge{784, 1024, 512, false};

std::function<void()> make_step(const std::string& workload) {
  if (workload == "W1") return mlp_training_step(kSmall);
  if (workload == "W2") return mlp_training_step(kMedium);
  if (workload == "W3") return mlp_training_step(kLarge);
  if (workload == "W4") return lstm_training_step();
  if (workload == "W5") return sigmoid_step(1000000);
  if (workload == "W5s") return sigmoid_step(50000);
  if (workload == "W6") return multiclass_step();
  if (workload == "W7") return recurrent_training_step(/*gru=*/true, /*bidirectional=*/false);
  if (workload == "W8") return normalized_mlp_step();
  if (workload == "W9") return recurrent_training_step(/*gru=*/false, /*bidirectional=*/true);
  if (workload == "I1") return inference_step(kSmall);
  return inference_step(kLarge);  // I3
}

/// at::set_num_threads sets OpenMP's threads but not OpenBLAS's own pthread pool (Debian's
/// libtorch calls OpenBLAS for GEMM), which would otherwise use every core. Looked up at run
/// time so that torch_bench does not link OpenBLAS itself.
void set_openblas_threads(int threads) {
  using SetThreads = void (*)(int);
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set) {
    set(threads);
  } else {
    std::fprintf(stderr, "torch_bench: openblas_set_num_threads not found; BLAS threads left as they are\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"torch_bench: times one benchmark workload with libtorch"};
  bench::Options options;
  bench::add_common_flags(app, options);
  CLI11_PARSE(app, argc, argv);
  bench::resolve_defaults(options);

  at::set_num_threads(options.threads);
  set_openblas_threads(options.threads);
  std::fprintf(stderr, "# libtorch %s, intra-op threads %d\n", TORCH_VERSION, at::get_num_threads());
  torch::manual_seed(kSeed);
  std::function<void()> step = make_step(options.workload);
  double us = bench::median_us_per_step(step, options);
  bench::report(options, "libtorch", us);
  return 0;
}
