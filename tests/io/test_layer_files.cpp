// The layers of issue 15 in files: weights and load_model (buffers included, bit for bit),
// checkpoints that resume BatchNorm and Dropout exactly, and `xtgrad inspect`.
#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "xtgrad/io.hpp"

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
      std::make_shared<Dropout>(0.2, std::move(dropout_gen)), std::make_shared<LeakyReLU>(0.1),
      std::make_shared<ELU>(0.5), std::make_shared<SiLU>(), std::make_shared<Softplus>(2.0, 10.0),
      std::make_shared<Hardtanh>(-2.0, 2.0), std::make_shared<Identity>(), std::make_shared<GELU>(),
      std::make_shared<Linear>(6, 1, true, init)});
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
  Sequential tokens{std::make_shared<Embedding>(EmbeddingOptions(10, 4).padding_idx(0), init),
                    std::make_shared<Flatten>(),
                    std::make_shared<LayerNorm>(LayerNormOptions({12}).bias(false)),
                    std::make_shared<Linear>(12, 3, true, init),
                    std::make_shared<LogSoftmax>(1),
                    std::make_shared<Softmax>(-1)};
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
  // repr() of nn.BatchNorm1d(6), nn.GELU(approximate="tanh"), nn.LayerNorm(6), nn.Dropout(0.2),
  // nn.Softplus(2.0, 10.0) and nn.Hardtanh(-2.0, 2.0) in torch 1.13.
  for (std::string text : {"BatchNorm1d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
                           "GELU(approximate='tanh')", "LayerNorm((6,), eps=1e-05, elementwise_affine=True)",
                           "Dropout(p=0.2, inplace=False)", "Softplus(beta=2.0, threshold=10.0)",
                           "Hardtanh(min_val=-2.0, max_val=2.0)", "1.running_mean", "1.num_batches_tracked"}) {
    CAPTURE(text);
    CHECK(r.out.find(text) != std::string::npos);
  }
}

namespace {

// A GRU or LSTM stack (bidirectional, dropout between layers) then Linear on its last output step.
struct SequenceHead : Module {
  SequenceHead(std::shared_ptr<RecurrentStack> rnn, std::size_t features)
      : rnn(register_module("rnn", std::move(rnn))), fc(register_module("fc", std::make_shared<Linear>(features, 1))) {}
  Tensor forward(const Tensor& x) override {
    Tensor out = (*rnn)(x);  // [T, B, D·H]
    return (*fc)(reshape(narrow(out, 0, out.size(0) - 1, 1), {static_cast<std::int64_t>(x.size(1)), -1}));
  }
  std::string type_name() const override { return "SequenceHead"; }
  std::shared_ptr<RecurrentStack> rnn;
  std::shared_ptr<Linear> fc;
};

}  // namespace

TEST_CASE("layer files: GRU and bidirectional LSTM with dropout resume from a checkpoint exactly") {
  TempDir dir;
  auto make = [](bool gru, std::shared_ptr<Generator> drop) {
    Generator init(21);
    std::shared_ptr<RecurrentStack> rnn;
    RecurrentOptions options = RecurrentOptions(3, 4).num_layers(2).bidirectional(true).dropout(0.3);
    if (gru) rnn = std::make_shared<GRU>(options, init);
    else rnn = std::make_shared<LSTM>(options, init);
    rnn->dropout_generator = std::move(drop);
    auto model = std::make_shared<SequenceHead>(rnn, 8);
    return std::make_pair(model, std::make_unique<Adam>(model->parameters(), AdamOptions(0.01)));
  };
  auto step = [](Module& model, Optimizer& opt, Generator& data) {
    Tensor x = randn({5, 6, 3}, data), y = rand({6, 1}, data);
    opt.zero_grad();
    Tensor loss = BCEWithLogitsLoss()(model(x), y);
    loss.backward();
    opt.step();
  };
  for (bool gru : {true, false}) {
    CAPTURE(gru);
    auto drop = std::make_shared<Generator>(8);
    auto [model, opt] = make(gru, drop);
    Generator data(9);
    for (int i = 0; i < 2; ++i) step(*model, *opt, data);
    save_checkpoint(dir.file("rnn.json"), {model.get(), opt.get(), {}, drop.get(), 1, 2});
    Generator data_after = data;
    for (int i = 0; i < 2; ++i) step(*model, *opt, data);

    auto drop2 = std::make_shared<Generator>(1);  // a different seed: the checkpoint restores it
    auto [resumed, opt2] = make(gru, drop2);
    Checkpoint ck{resumed.get(), opt2.get(), {}, drop2.get()};
    load_checkpoint(dir.file("rnn.json"), ck);
    for (int i = 0; i < 2; ++i) step(*resumed, *opt2, data_after);
    check_same_state(*model, *resumed);
  }
}

TEST_CASE("layer files: GRU and bidirectional LSTM round-trip through save_weights and load_model") {
  TempDir dir;
  Generator gen(17);
  std::vector<std::shared_ptr<Module>> models{
      std::make_shared<GRU>(GRUOptions(3, 4).num_layers(2).bidirectional(true).dropout(0.2).batch_first(true), gen),
      std::make_shared<LSTM>(LSTMOptions(3, 4).num_layers(2).bidirectional(true).bias(false), gen),
      std::make_shared<GRUCell>(GRUCellOptions(3, 4).bias(false), gen)};
  for (auto& model : models) {
    CAPTURE(model->repr());
    save_weights(*model, dir.file("m.json"));
    LoadedModel loaded = load_model(dir.file("m.json"));
    CHECK(loaded.module->repr() == model->repr());
    check_same_state(*model, *loaded.module);
    model->eval();
    Tensor x = randn(model->type_name() == "GRUCell" ? Shape{2, 3} : Shape{2, 5, 3}, gen);
    CHECK(same_bits((*loaded.module)(x).value(), (*model)(x).value()));
  }
}

TEST_CASE("layer files: an LSTM described before bidirectional and dropout existed still loads") {
  Value old = Value::dict();
  old["type"] = "LSTM";
  old["input_size"] = 3;
  old["hidden_size"] = 4;
  old["num_layers"] = 2;
  old["bias"] = true;
  old["batch_first"] = false;
  std::shared_ptr<Module> m = build_module(old);
  auto& lstm = dynamic_cast<LSTM&>(*m);
  CHECK(!lstm.bidirectional);
  CHECK(lstm.dropout == 0.0);
  CHECK(m->named_parameters().size() == 8);
  CHECK(m->named_parameters()[4].first == "weight_ih_l1");
}
