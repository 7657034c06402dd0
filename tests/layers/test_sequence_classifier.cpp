// SequenceClassifier: the same numbers as composing Embedding, LSTM/GRU, LayerNorm and Linear by
// hand (and as LSTMClassifier), gradcheck, files and checkpoints, and its errors.
#include <doctest/doctest.h>

#include "predict.hpp"
#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "xtgrad/core/gradcheck.hpp"
#include "xtgrad/core/ops.hpp"
#include "xtgrad/io/checkpoint.hpp"
#include "xtgrad/io/weights.hpp"
#include "xtgrad/layers/sequence_classifier.hpp"
#include "xtgrad/optim/adam.hpp"

using namespace xtgrad;
using xtgrad::testing::TempDir;
using Inputs = std::vector<Tensor>;

namespace {

// Token indices [B, T] in [0, vocabulary), drawn from gen.
Tensor tokens(std::size_t batch, std::size_t steps, std::size_t vocabulary, Generator& gen) {
  Tensor u = rand({batch, steps}, gen);
  std::vector<float> v;
  for (float x : u.value()) v.push_back(std::floor(x * static_cast<float>(vocabulary)));
  return tensor(v, {batch, steps});
}

bool same_values(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && a.value() == b.value(); }

void check_same_state(const Module& a, const Module& b) {
  NamedTensors sa = a.state_dict(), sb = b.state_dict();
  REQUIRE(sa.size() == sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    CAPTURE(sa[i].first);
    CHECK(sa[i].first == sb[i].first);
    CHECK(same_values(sa[i].second, sb[i].second));
  }
}

}  // namespace

TEST_CASE("sequence classifier: tokens through Embedding, a bidirectional 2-layer GRU, LayerNorm and Linear, by hand") {
  const std::size_t V = 7, E = 3, H = 4, T = 5, B = 2;
  Generator g1(11), g2(11);
  SequenceClassifier net(SequenceClassifierOptions(E, H)
                             .num_embeddings(V)
                             .padding_idx(0)
                             .cell("gru")
                             .num_layers(2)
                             .bidirectional(true)
                             .dropout(0.3)
                             .layer_norm(true)
                             .num_classes(3),
                         g1);
  // The same modules in the same order from the same seed: the same initial weights.
  Embedding emb(EmbeddingOptions(V, E).padding_idx(0), g2);
  GRU gru(GRUOptions(E, H).num_layers(2).batch_first(true).bidirectional(true).dropout(0.3), g2);
  LayerNorm norm(LayerNormOptions({2 * H}));
  Linear fc(2 * H, 3, true, g2);
  CHECK(net.embedding->weight.value() == emb.weight.value());
  CHECK(same_values(net.fc->weight, fc.weight));
  CHECK(same_values(net.gru->weight_hh[3], gru.weight_hh[3]));

  net.eval();  // dropout off in both
  gru.eval();
  Generator data(3);
  Tensor x = tokens(B, T, V, data);
  // The final states read off the output sequence: forward at the last step, reverse at the first.
  Tensor out = gru.forward(emb(x), std::nullopt).output;  // [B, T, 2H]
  Tensor last = concat({narrow(narrow(out, 1, T - 1, 1), 2, 0, H), narrow(narrow(out, 1, 0, 1), 2, H, H)}, 2);
  Tensor expected = fc(norm(reshape(last, {static_cast<std::int64_t>(B), static_cast<std::int64_t>(2 * H)})));
  Tensor got = net(x);
  CHECK(got.shape() == Shape{B, 3});
  CHECK(same_values(got, expected));
  CHECK(net.input_spec()->token_indices);
  CHECK(net.input_spec()->sequence);
}

TEST_CASE("sequence classifier: the float-input LSTM with one logit is LSTMClassifier, weights and logits") {
  Generator g1(5), g2(5);
  SequenceClassifier net(SequenceClassifierOptions(3, 4).num_layers(2), g1);
  LSTMClassifier old(3, 4, 2, g2);
  check_same_state(*net.lstm, *old.lstm);
  check_same_state(*net.fc, *old.fc);
  Generator data(8);
  Tensor x = randn({2, 6, 3}, data);
  CHECK(same_values(net(x), old(x)));
  CHECK(net.input_spec()->features == 3);
  CHECK_FALSE(net.input_spec()->token_indices);
}

TEST_CASE("sequence classifier: gradcheck, bidirectional LSTM with LayerNorm and two classes on float input") {
  Generator gen(21);
  SequenceClassifier net(SequenceClassifierOptions(2, 3).bidirectional(true).layer_norm(true).num_classes(2), gen);
  Inputs in{randn({2, 3, 2}, gen, true)};
  for (Tensor& p : net.parameters()) in.push_back(p);
  CHECK_GRADCHECK([&](const Inputs& v) { return net(v[0]); }, in);
}

TEST_CASE("sequence classifier: gradient reaches the embedding rows used, never the padding row") {
  Generator gen(4);
  SequenceClassifier net(SequenceClassifierOptions(2, 3).num_embeddings(5).padding_idx(0).cell("gru"), gen);
  Tensor x = tensor({{1.0f, 0.0f, 2.0f}, {0.0f, 0.0f, 1.0f}});
  sum(net(x)).backward();
  Array g = net.embedding->weight.grad();
  for (std::size_t j = 0; j < 2; ++j) {
    CHECK(g(0, j) == 0.0f);
    CHECK(g(3, j) == 0.0f);
  }
  CHECK(std::abs(g(1, 0)) + std::abs(g(1, 1)) > 0.0f);
}

TEST_CASE("sequence classifier: save_weights and load_model rebuild it, checkpoints resume it") {
  TempDir dir;
  Generator gen(9);
  SequenceClassifier net(SequenceClassifierOptions(3, 4)
                             .num_embeddings(6)
                             .padding_idx(-1)
                             .cell("lstm")
                             .num_layers(2)
                             .bidirectional(true)
                             .dropout(0.2)
                             .layer_norm(true)
                             .num_classes(4),
                         gen);
  net.eval();
  Tensor x = tokens(3, 4, 6, gen);
  save_weights(net, dir.file("w.json"), Json{{"steps", 4}});
  LoadedModel loaded = load_model(dir.file("w.json"));
  CHECK(loaded.module->type_name() == "SequenceClassifier");
  CHECK(loaded.module->repr() == net.repr());
  CHECK(describe_architecture(*loaded.module) == describe_architecture(net));
  CHECK(*std::dynamic_pointer_cast<SequenceClassifier>(loaded.module)->embedding->padding_idx == 5);
  CHECK(same_values((*loaded.module)(x), net(x)));

  // Training with dropout: two Adam steps, a checkpoint (with the default generator the dropout
  // masks come from), two more; a fresh model resumed from the checkpoint ends bit-equal.
  auto step = [&](SequenceClassifier& m, Adam& opt) {
    opt.zero_grad();
    sum(m(x)).backward();
    opt.step();
  };
  manual_seed(1);
  net.train();
  Adam opt(net.parameters());
  step(net, opt);
  step(net, opt);
  save_checkpoint(dir.file("ckpt.json"), {&net, &opt, {}, &default_generator(), 0, 2});
  step(net, opt);
  step(net, opt);

  Generator other(77);
  SequenceClassifier resumed(net.options, other);
  resumed.train();
  Adam resumed_opt(resumed.parameters());
  Checkpoint c{&resumed, &resumed_opt, {}, &default_generator(), 0, 0};
  load_checkpoint(dir.file("ckpt.json"), c);
  CHECK(c.step == 2);
  step(resumed, resumed_opt);
  step(resumed, resumed_opt);
  check_same_state(resumed, net);
}

TEST_CASE("sequence classifier: predict serves float-input models step by step and token models one id per column") {
  TempDir dir;
  Generator gen(2);
  SequenceClassifier net(SequenceClassifierOptions(2, 3).cell("gru").bidirectional(true), gen);
  net.eval();
  Tensor x = randn({4, 5, 2}, gen);
  save_weights(net, dir.file("f.json"), Json{{"steps", 5}});
  Array p = predict_proba(load_model(dir.file("f.json")), reshape(x, {4, 10}).value());  // step by step
  Array expected = sigmoid(net(x)).value();
  REQUIRE(p.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(p(i) == doctest::Approx(expected(i, 0)).epsilon(1e-6));

  SequenceClassifier tokens_net(SequenceClassifierOptions(2, 3).num_embeddings(4), gen);
  tokens_net.eval();
  save_weights(tokens_net, dir.file("t.json"));
  Array ids{{0, 3, 1}, {2, 2, 0}};
  Array token_p = predict_proba(load_model(dir.file("t.json")), ids);
  Array token_expected = sigmoid(tokens_net(Tensor(ids))).value();
  REQUIRE(token_p.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) CHECK(token_p(i) == token_expected(i, 0));
  CHECK_THROWS_WITH_AS(predict_proba(load_model(dir.file("t.json")), Array{{0, 4, 1}}),
                       doctest::Contains("token ids are whole numbers in [0, 4)"), std::invalid_argument);
}

TEST_CASE("sequence classifier: wrong input rank, indices out of range and bad options are named") {
  SequenceClassifier token_net(SequenceClassifierOptions(2, 3).num_embeddings(4));
  CHECK_THROWS_WITH_AS(token_net(zeros({2, 3, 1})),
                       "SequenceClassifier: token input must be [batch, steps] of indices, got shape [2, 3, 1]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(token_net(tensor({{1.0f, 4.0f}})), doctest::Contains("index 4 is out of range"),
                       std::invalid_argument);
  SequenceClassifier float_net(SequenceClassifierOptions(2, 3).cell("gru"));
  CHECK_THROWS_WITH_AS(float_net(zeros({2, 3})),
                       "SequenceClassifier: input must be [batch, steps, 2], got shape [2, 3]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(float_net(zeros({2, 3, 5})), doctest::Contains("GRU"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(SequenceClassifier(SequenceClassifierOptions(2, 3).cell("rnn")),
                       "SequenceClassifier: cell must be \"lstm\" or \"gru\", got \"rnn\"", std::invalid_argument);
  CHECK_THROWS_WITH_AS(SequenceClassifier(SequenceClassifierOptions(2, 3).num_classes(0)),
                       doctest::Contains("num_classes must be from 1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(SequenceClassifier(SequenceClassifierOptions(2, 3).padding_idx(0)),
                       "SequenceClassifier: padding_idx needs num_embeddings (token input)", std::invalid_argument);
}
