// The layers of issue 15 in files: weights and load_model (buffers included, bit for bit),
// checkpoints that resume BatchNorm and Dropout exactly, and `xtgrad inspect`.
#include "support/temp_dir.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

// Every state_dict entry (parameters and persistent buffers) equal to the bit, in the same order.
void check_same_state(const Module& a, const Module& b) { check_same_tensors(a.state_dict(), b.state_dict()); }

// Linear -> BatchNorm1d -> every new activation -> LayerNorm -> Dropout -> Linear.
std::shared_ptr<Sequential> dense_model(std::shared_ptr<Generator> dropout_gen) {
  Generator init(11);
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(4, 6, true, init), std::make_shared<BatchNorm1d>(BatchNormOptions(6)),
      std::make_shared<GELU>("tanh"), std::make_shared<LayerNorm>(LayerNormOptions({6})),
      std::make_shared<Dropout>(0.2, std::move(dropout_gen)), std::make_shared<LeakyReLU>(0.1), std::make_shared<ELU>(0.5),
      std::make_shared<SiLU>(), std::make_shared<Softplus>(2.0, 10.0), std::make_shared<Hardtanh>(-2.0, 2.0),
      std::make_shared<Identity>(), std::make_shared<GELU>(), std::make_shared<Linear>(6, 1, true, init)});
}

// One Adam step on a BCE loss over a fixed batch drawn from `data`.
void train_step(Module& model, Optimizer& opt, Generator& data) {
  Tensor x = randn({8, 4}, data), y = rand({8, 1}, data);
  opt.zero_grad();
  Tensor loss = BCEWithLogitsLoss()(model(x), y);
  loss.backward();
  opt.step();
}

}  // namespace

TEST_CASE("layer files: every new layer round-trips through save_weights and load_model, buffers included") {
  TempDir dir;
  auto model = dense_model(std::make_shared<Generator>(3));
  Adam opt(model->parameters(), AdamOptions(0.01));
  Generator data(5);
  for (int i = 0; i < 3; ++i) train_step(*model, opt, data);
  auto& bn = dynamic_cast<BatchNorm1d&>(*model->named_children()[1].second);
  CHECK(bn.num_batches_tracked.item() == 3.0f);
  save_weights(*model, dir.file("dense.json"));
  LoadedModel loaded = load_model(dir.file("dense.json"));
  check_same_state(*model, *loaded.module);
  CHECK(loaded.module->repr() == model->repr());
  CHECK(!loaded.module->is_training());  // loaded for inference: running statistics, no dropout
  model->eval();
  Tensor x = randn({5, 4}, data);
  CHECK(same_bits((*loaded.module)(x).value(), (*model)(x).value()));

  Generator init(12);
  Sequential tokens{std::make_shared<Embedding>(EmbeddingOptions(10, 4).padding_idx(0), init), std::make_shared<Flatten>(),
                    std::make_shared<LayerNorm>(LayerNormOptions({12}).bias(false)), std::make_shared<Linear>(12, 3, true, init),
                    std::make_shared<LogSoftmax>(1), std::make_shared<Softmax>(-1)};
  dynamic_cast<Embedding&>(*tokens.named_children()[0].second).weight.requires_grad_(false);
  save_weights(tokens, dir.file("tokens.json"));
  LoadedModel back = load_model(dir.file("tokens.json"));
  check_same_state(tokens, *back.module);
  CHECK(!dynamic_cast<Embedding&>(*back.module->named_children()[0].second).weight.requires_grad());  // still frozen
  Tensor idx = tensor({0.0f, 3.0f, 9.0f, 1.0f, 1.0f, 0.0f}, {2, 3});
  CHECK(same_bits((*back.module)(idx).value(), tokens(idx).value()));
}

TEST_CASE("layer files: a checkpoint resumes BatchNorm's statistics and Dropout's generator exactly") {
  TempDir dir;
  auto run = [](std::shared_ptr<Generator> drop) {
    auto model = dense_model(drop);
    return std::make_pair(model, std::make_unique<Adam>(model->parameters(), AdamOptions(0.01)));
  };
  auto drop = std::make_shared<Generator>(8);
  auto [model, opt] = run(drop);
  Generator data(9);
  for (int i = 0; i < 3; ++i) train_step(*model, *opt, data);
  save_checkpoint(dir.file("ck.json"), {model.get(), opt.get(), {}, drop.get(), 1, 3});
  Generator data_after = data;
  for (int i = 0; i < 2; ++i) train_step(*model, *opt, data);

  auto drop2 = std::make_shared<Generator>(1);  // a different seed: the checkpoint restores it
  auto [resumed, opt2] = run(drop2);
  Checkpoint ck{resumed.get(), opt2.get(), {}, drop2.get()};
  load_checkpoint(dir.file("ck.json"), ck);
  for (int i = 0; i < 2; ++i) train_step(*resumed, *opt2, data_after);
  check_same_state(*model, *resumed);
  auto& bn = dynamic_cast<BatchNorm1d&>(*resumed->named_children()[1].second);
  CHECK(bn.num_batches_tracked.item() == 5.0f);
}

TEST_CASE("cli inspect: shows the new layers, their parameters and buffers") {
  TempDir dir;
  auto model = dense_model(nullptr);
  save_weights(*model, dir.file("m.json"));
  CommandResult r = run_command(dir, XTGRAD_CLI, "inspect --model " + dir.file("m.json"));
  CHECK(r.exit_code == 0);
  for (std::string text : {"BatchNorm1d(6, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)",
                           "GELU(approximate='tanh')", "LayerNorm((6,), eps=1e-05, elementwise_affine=true)",
                           "Dropout(p=0.2)", "Softplus(beta=2, threshold=10)", "Hardtanh(min_val=-2, max_val=2)",
                           "1.running_mean", "1.num_batches_tracked"}) {
    CAPTURE(text);
    CHECK(r.out.find(text) != std::string::npos);
  }
}
