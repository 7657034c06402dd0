// xtgrad_bench: times one workload of bench/README.md with xtgrad's public API and prints
// "workload=W1 impl=xtgrad threads=1 us_per_step=..." then "peak_rss_kb=...".
// `--check-memory` instead runs 10,000 training steps (W1; W4: 2,000) and reports RSS growth, or
// for W3 one training step and then 10,000 forward passes recorded on the tape (no NoGrad).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include <xtgrad/xtgrad.hpp>

#include "harness.hpp"

using namespace xtgrad;

namespace {

constexpr std::uint64_t kSeed = 1234;

/// in → hidden → hidden → 1, with ReLU (or Tanh) after each hidden layer, as torch_bench builds it.
std::shared_ptr<Sequential> mlp(std::size_t in, std::size_t hidden, bool use_tanh, Generator& gen) {
  auto activation = [use_tanh]() -> std::shared_ptr<Module> {
    if (use_tanh) return std::make_shared<Tanh>();
    return std::make_shared<ReLU>();
  };
  auto net = std::make_shared<Sequential>();
  net->push_back(std::make_shared<Linear>(in, hidden, true, gen));
  net->push_back(activation());
  net->push_back(std::make_shared<Linear>(hidden, hidden, true, gen));
  net->push_back(activation());
  net->push_back(std::make_shared<Linear>(hidden, 1, true, gen));
  return net;
}

/// Labels [batch, 1] of 0 and 1, half of each on average.
Tensor random_labels(std::size_t batch, Generator& gen) {
  Array labels = xt::zeros<float>({batch, std::size_t{1}});
  for (std::size_t i = 0; i < batch; ++i) labels(i, 0) = static_cast<float>(gen.below(2));
  return Tensor(std::move(labels));
}

struct MlpSpec {
  std::size_t in, hidden, batch;
  bool use_tanh;
};

using LossFn = std::function<Tensor(const Tensor& output, const Tensor& target)>;

/// One training step of any model: zero_grad, forward, loss, backward, optimizer step.
std::function<void()> training_step(std::shared_ptr<Module> model, Tensor x, Tensor y, LossFn loss_fn,
                                    std::shared_ptr<Optimizer> optimizer) {
  return [model, x, y, loss_fn, optimizer] {
    optimizer->zero_grad();
    Tensor loss = loss_fn(model->forward(x), y);
    loss.backward();
    optimizer->step();
  };
}

/// ... with the BCE-with-logits loss and Adam (lr 1e-3) of W1-W4.
std::function<void()> training_step(std::shared_ptr<Module> model, Tensor x, Tensor y) {
  auto optimizer = std::make_shared<Adam>(model->parameters(), AdamOptions(1e-3));
  return training_step(model, x, y, BCEWithLogitsLoss(), optimizer);
}

std::function<void()> training_step(const MlpSpec& spec) {
  Generator gen(kSeed);
  std::shared_ptr<Sequential> net = mlp(spec.in, spec.hidden, spec.use_tanh, gen);
  Tensor x = randn({spec.batch, spec.in}, gen);
  return training_step(net, x, random_labels(spec.batch, gen));
}

/// Inference: forward without recording, then σ of the logits.
std::function<void()> inference_step(const MlpSpec& spec) {
  Generator gen(kSeed);
  std::shared_ptr<Sequential> net = mlp(spec.in, spec.hidden, spec.use_tanh, gen);
  Tensor x = randn({spec.batch, spec.in}, gen);
  return [net, x] {
    NoGrad no_grad;
    Tensor probabilities = sigmoid(net->forward(x));
    (void)probabilities;
  };
}

/// y = σ(x) and its backward from a fixed random upstream gradient, on n floats.
std::function<void()> sigmoid_step(std::size_t n) {
  Generator gen(kSeed);
  Tensor x = randn({n}, gen, /*requires_grad=*/true);
  Array upstream = randn({n}, gen).value();
  return [x, upstream]() mutable {
    x.zero_grad();  // drops the gradient, so backward stores a fresh one instead of adding
    Tensor y = sigmoid(x);
    y.backward(upstream);
  };
}

const MlpSpec kSmall{2, 16, 64, false};
const MlpSpec kMedium{30, 128, 256, true};
const MlpSpec kLarge{784, 1024, 512, false};

/// W6: MLP 64 → 128 → 10 (ReLU), batch 128, CrossEntropyLoss on class indices, AdamW (lr 1e-3,
/// weight decay 1e-2): a small multi-class classifier (the digits example's shape).
std::function<void()> multiclass_step() {
  Generator gen(kSeed);
  auto net = std::make_shared<Sequential>();
  net->push_back(std::make_shared<Linear>(64, 128, true, gen));
  net->push_back(std::make_shared<ReLU>());
  net->push_back(std::make_shared<Linear>(128, 10, true, gen));
  Tensor x = randn({128, 64}, gen);
  Array classes = Array::from_shape({128});
  for (float& c : classes) c = static_cast<float>(gen.below(10));
  auto optimizer = std::make_shared<AdamW>(net->parameters(), AdamOptions(1e-3).weight_decay(1e-2));
  return training_step(net, x, Tensor(std::move(classes)), CrossEntropyLoss(), optimizer);
}

/// W8: MLP 256 → 512 → 512 → 10, each hidden Linear followed by LayerNorm, GELU (erf) and
/// Dropout(0.1) in training mode, batch 128, CrossEntropyLoss on class indices, AdamW (lr 1e-3,
/// weight decay 1e-2).
std::function<void()> normalized_mlp_step() {
  Generator gen(kSeed);
  auto dropout_generator = std::make_shared<Generator>(kSeed + 1);
  auto net = std::make_shared<Sequential>();
  std::size_t in = 256;
  for (std::size_t width : {512, 512}) {
    net->push_back(std::make_shared<Linear>(in, width, true, gen));
    net->push_back(std::make_shared<LayerNorm>(LayerNormOptions({width})));
    net->push_back(std::make_shared<GELU>());
    net->push_back(std::make_shared<Dropout>(0.1, dropout_generator));
    in = width;
  }
  net->push_back(std::make_shared<Linear>(in, 10, true, gen));
  net->train();
  Tensor x = randn({128, 256}, gen);
  Array classes = Array::from_shape({128});
  for (float& c : classes) c = static_cast<float>(gen.below(10));
  auto optimizer = std::make_shared<AdamW>(net->parameters(), AdamOptions(1e-3).weight_decay(1e-2));
  return training_step(net, x, Tensor(std::move(classes)), CrossEntropyLoss(), optimizer);
}

/// W4: LSTM(8, 64) over 32 steps, batch 32, last hidden state -> Linear(64, 1), BCEWithLogits, Adam.
std::function<void()> lstm_step() {
  Generator gen(kSeed);
  auto model = std::make_shared<LSTMClassifier>(8, 64, 1, gen);
  Tensor x = randn({32, 32, 8}, gen);  // [batch, steps, features]
  return training_step(model, x, random_labels(32, gen));
}

/// The last layer's final hidden states of both directions side by side: h_n [L·D, B, H] → [B, D·H].
Tensor last_layer_states(const Tensor& h_n, std::size_t directions) {
  const std::size_t layers_times_directions = h_n.size(0);
  Tensor last = narrow(h_n, 0, layers_times_directions - directions, directions);  // [D, B, H]
  auto batch = static_cast<std::int64_t>(h_n.size(1));
  return reshape(permute(last, {1, 0, 2}), {batch, -1});
}

/// W7 (GRU) and W9 (bidirectional LSTM): input 8, hidden 64, 32 steps, batch 32, time-major as in
/// torch_bench; the final hidden states → Linear(D·64, 1), BCEWithLogits, Adam (lr 1e-3).
std::function<void()> recurrent_step(bool gru, bool bidirectional) {
  Generator gen(kSeed);
  const RecurrentOptions options = RecurrentOptions(8, 64).bidirectional(bidirectional);
  const std::size_t directions = bidirectional ? 2 : 1;
  std::shared_ptr<Module> rnn;
  std::function<Tensor(const Tensor&)> final_states;
  if (gru) {
    auto g = std::make_shared<GRU>(options, gen);
    final_states = [g](const Tensor& x) { return g->forward_state(x, std::nullopt); };
    rnn = g;
  } else {
    auto l = std::make_shared<LSTM>(options, gen);
    final_states = [l](const Tensor& x) { return l->forward_state(x, std::nullopt).h; };
    rnn = l;
  }
  auto head = std::make_shared<Linear>(64 * directions, 1, true, gen);
  std::vector<Tensor> parameters = rnn->parameters();
  for (const Tensor& p : head->parameters()) parameters.push_back(p);
  auto optimizer = std::make_shared<Adam>(parameters, AdamOptions(1e-3));
  Tensor x = randn({32, 32, 8}, gen);  // [steps, batch, features]
  Tensor y = random_labels(32, gen);
  return [rnn, final_states, head, optimizer, x, y, directions] {
    optimizer->zero_grad();
    Tensor logits = head->forward(last_layer_states(final_states(x), directions));
    Tensor loss = BCEWithLogitsLoss()(logits, y);
    loss.backward();
    optimizer->step();
  };
}

/// The step function of a workload, or nullptr for an unknown one.
std::function<void()> make_step(const std::string& workload) {
  if (workload == "W1") return training_step(kSmall);
  if (workload == "W2") return training_step(kMedium);
  if (workload == "W3") return training_step(kLarge);
  if (workload == "W5") return sigmoid_step(1000000);
  if (workload == "W5s") return sigmoid_step(50000);
  if (workload == "I1") return inference_step(kSmall);
  if (workload == "I3") return inference_step(kLarge);
  if (workload == "W4") return lstm_step();
  if (workload == "W6") return multiclass_step();
  if (workload == "W7") return recurrent_step(/*gru=*/true, /*bidirectional=*/false);
  if (workload == "W8") return normalized_mlp_step();
  if (workload == "W9") return recurrent_step(/*gru=*/false, /*bidirectional=*/true);
  return nullptr;
}

/// Soak: `steps` training steps of a workload, RSS sampled ten times; growth is measured from
/// the first sample (the end of warm-up) to the last.
int check_memory(const std::string& workload, int steps) {
  std::function<void()> step = make_step(workload);
  long baseline_kb = 0, rss_kb = 0;
  for (int i = 1; i <= steps; ++i) {
    step();
    if (i % (steps / 10) != 0) continue;
    rss_kb = bench::current_rss_kb();
    if (i == steps / 10) baseline_kb = rss_kb;
    std::printf("step=%d rss_kb=%ld tape_size=%zu\n", i, rss_kb, tape_size());
  }
  std::printf("rss_growth_kb=%ld\n", rss_kb - baseline_kb);
  return 0;
}

/// Tape memory: one W3 training step, then `passes` forward passes of the same model without
/// NoGrad (so each is recorded on the tape), each result dropped at once. Prints the peak RSS
/// after the step and at the end: graphs nobody holds must not pile up between backward()s.
int check_forward_memory(int passes) {
  Generator gen(kSeed);
  std::shared_ptr<Sequential> net = mlp(kLarge.in, kLarge.hidden, kLarge.use_tanh, gen);
  Tensor x = randn({kLarge.batch, kLarge.in}, gen);
  training_step(net, x, random_labels(kLarge.batch, gen))();
  long step_peak_kb = bench::peak_rss_kb();
  std::printf("train_step_peak_rss_kb=%ld\n", step_peak_kb);
  for (int i = 1; i <= passes; ++i) {
    Tensor logits = net->forward(x);
    if (i % std::max(1, passes / 10) == 0)
      std::printf("pass=%d rss_kb=%ld tape_size=%zu\n", i, bench::current_rss_kb(), tape_size());
  }
  long peak_kb = bench::peak_rss_kb();
  std::printf("forward_peak_rss_kb=%ld\nforward_peak_over_step=%.3f\n", peak_kb,
              static_cast<double>(peak_kb) / static_cast<double>(step_peak_kb));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xtgrad_bench: times one benchmark workload with xtgrad"};
  bench::Options options;
  bench::add_common_flags(app, options);
  app.add_flag("--check-memory", options.check_memory,
               "W1 or W4: run 10,000 (W1) or 2,000 (W4) steps, print RSS ten times, then rss_growth_kb; "
               "W3: one training step, then --steps (default 10,000) forward passes without NoGrad, "
               "then both peak RSS");
  CLI11_PARSE(app, argc, argv);
  long requested_steps = options.steps;
  bench::resolve_defaults(options);
  std::fprintf(stderr, "# %s\n", build_summary().c_str());

  set_num_threads(options.threads);
  if (options.check_memory) {
    if (options.workload == "W3")
      return check_forward_memory(requested_steps ? static_cast<int>(requested_steps) : 10000);
    if (options.workload != "W1" && options.workload != "W4") {
      std::fprintf(stderr, "xtgrad_bench: --check-memory supports --workload W1, W3 or W4, got %s\n",
                   options.workload.c_str());
      return 2;
    }
    return check_memory(options.workload, options.workload == "W1" ? 10000 : 2000);
  }
  std::function<void()> step = make_step(options.workload);
  if (!step) {
    std::fprintf(stderr, "xtgrad_bench: unknown workload %s\n", options.workload.c_str());
    return 2;
  }
  double us = bench::median_us_per_step(step, options);
  bench::report(options, "xtgrad", us);
  return 0;
}
