// Writes xtgrad models for tests/interop/torch_reads_xtgrad.py: for each model NAME, NAME.json
// (weights), NAME_inputs.csv (raw feature rows) and NAME_probs.csv (xtgrad's probabilities).
#include <cstdio>
#include <sstream>

#include <xtgrad/io.hpp>

#include "predict.hpp"
#include "support/user_modules.hpp"
#include "xtgrad/io/detail/atomic_file.hpp"

using namespace xtgrad;

namespace {

void export_model(const std::string& folder, const std::string& name, const Module& module, const Json& metadata,
                  const Array& inputs) {
  std::string weights = folder + "/" + name + ".json";
  save_weights(module, weights, metadata);
  Array p = predict_proba(load_model(weights), inputs);
  std::ostringstream rows, probs;
  char number[32];
  for (std::size_t r = 0; r < inputs.shape()[0]; ++r) {
    for (std::size_t c = 0; c < inputs.shape()[1]; ++c) {
      std::snprintf(number, sizeof number, "%.9g", inputs(r, c));
      rows << (c ? "," : "") << number;
    }
    std::snprintf(number, sizeof number, "%.9g", p(r));
    rows << "\n";
    probs << number << "\n";
  }
  write_file_atomically(folder + "/" + name + "_inputs.csv", rows.str());
  write_file_atomically(folder + "/" + name + "_probs.csv", probs.str());
}

// A sequence model's output is no probability: its file carries an input batch and xtgrad's
// output for it in metadata.check_output, {"input": {shape, data}, "output": {shape, data}}.
void export_sequence_model(const std::string& folder, const std::string& name, Module& module, const Tensor& input) {
  module.eval();
  Array output = module(input).value();
  auto encode = [](const Array& a) {
    return Json{{"shape", Shape(a.shape().begin(), a.shape().end())}, {"data", std::vector<float>(a.begin(), a.end())}};
  };
  save_weights(module, folder + "/" + name + ".json",
               {{"check_output", {{"input", encode(input.value())}, {"output", encode(output)}}}});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  std::string folder = argv[1];
  Generator gen(42);
  Sequential mlp{std::make_shared<Linear>(5, 12, true, gen), std::make_shared<Tanh>(),
                 std::make_shared<Linear>(12, 6, true, gen), std::make_shared<ReLU>(),
                 std::make_shared<Linear>(6, 1, true, gen)};
  Json standardize = {{"standardize", {{"mean", {1.0, -2.0, 0.0, 3.5, 10.0}}, {"std", {0.5, 2.0, 1.0, 4.0, 3.0}}}}};
  export_model(folder, "mlp_standardized", mlp, standardize, (randn({20, 5}, gen) * 3.0f).value());

  Sequential sigmoid_last{std::make_shared<Linear>(3, 4, false, gen), std::make_shared<ReLU>(),
                          std::make_shared<Linear>(4, 1, true, gen), std::make_shared<Sigmoid>()};
  export_model(folder, "mlp_sigmoid_last", sigmoid_last, Json::object(), randn({10, 3}, gen).value());

  LSTMClassifier lstm(3, 8, 2, gen);
  export_model(folder, "lstm_two_layers", lstm, Json::object(), randn({8, 7 * 3}, gen).value());

  // A user's own module with buffers (persistent ones set away from their defaults, so that
  // PyTorch only matches if it loads them): the test script registers its PyTorch twin.
  testing::register_user_modules();
  testing::Outer outer(4, 6);
  outer.block->scale.mutable_value() = Array{0.5f, 1.5f, 2.0f, 3.0f, 0.25f, 1.0f};
  outer.block->calls.mutable_value().fill(7.0f);  // not persistent: not in the file
  outer.offset.mutable_value().fill(-0.75f);
  export_model(folder, "user_outer_buffers", outer, Json::object(), randn({12, 4}, gen).value());

  // The layers of issue 15, BatchNorm's running statistics moved by a few batches in training
  // mode: PyTorch must load them (num_batches_tracked as its int64) and predict in eval mode.
  Sequential layers{std::make_shared<Linear>(4, 6, true, gen),
                    std::make_shared<BatchNorm1d>(BatchNormOptions(6)),
                    std::make_shared<GELU>("tanh"),
                    std::make_shared<LayerNorm>(LayerNormOptions({6})),
                    std::make_shared<Dropout>(0.3),
                    std::make_shared<LeakyReLU>(0.1),
                    std::make_shared<ELU>(0.5),
                    std::make_shared<SiLU>(),
                    std::make_shared<Softplus>(2.0, 10.0),
                    std::make_shared<Hardtanh>(-2.0, 2.0),
                    std::make_shared<Identity>(),
                    std::make_shared<GELU>(),
                    std::make_shared<Linear>(6, 1, true, gen)};
  {
    NoGrad no_grad;
    for (int i = 0; i < 3; ++i) layers(randn({16, 4}, gen) * 2.0f + 1.0f);
  }
  export_model(folder, "layers_issue15", layers, Json::object(), randn({10, 4}, gen).value());

  // Recurrent layers on their own: GRU, and both directions of a stacked LSTM and GRU (with the
  // dropout between layers, which eval mode leaves out as PyTorch does).
  GRU gru(GRUOptions(3, 5).num_layers(2).batch_first(true), gen);
  export_sequence_model(folder, "gru_two_layers", gru, randn({4, 6, 3}, gen));
  LSTM bi_lstm(LSTMOptions(3, 4).num_layers(2).bidirectional(true).dropout(0.3), gen);
  export_sequence_model(folder, "lstm_bidirectional", bi_lstm, randn({5, 2, 3}, gen));
  GRU bi_gru(GRUOptions(2, 3).num_layers(2).batch_first(true).bidirectional(true).bias(false), gen);
  export_sequence_model(folder, "gru_bidirectional", bi_gru, randn({3, 4, 2}, gen));
  // SequenceClassifier: token ids through an Embedding, a bidirectional GRU and LayerNorm to three
  // classes; and float steps through a 2-layer LSTM to one logit.
  SequenceClassifier tokens(SequenceClassifierOptions(3, 4)
                                .num_embeddings(6)
                                .padding_idx(0)
                                .cell("gru")
                                .num_layers(2)
                                .bidirectional(true)
                                .dropout(0.2)
                                .layer_norm(true)
                                .num_classes(3),
                            gen);
  Array ids = xt::floor(rand({4, 5}, gen).value() * 6.0f);
  export_sequence_model(folder, "sequence_classifier_tokens", tokens, Tensor(ids));
  SequenceClassifier steps(SequenceClassifierOptions(3, 5).num_layers(2), gen);
  export_sequence_model(folder, "sequence_classifier_lstm", steps, randn({3, 6, 3}, gen));
  // Options away from their defaults: three stacked bidirectional layers without bias, one
  // unbatched sequence, cells on one step, BatchNorm without affine and cumulative (momentum None)
  // after a few batches, LayerNorm without affine, a negative padding_idx, a nested Sequential.
  LSTM deep(LSTMOptions(2, 3).num_layers(3).bidirectional(true).batch_first(true).bias(false), gen);
  export_sequence_model(folder, "lstm_three_layers_no_bias", deep, randn({2, 4, 2}, gen));
  GRU unbatched(GRUOptions(2, 3).num_layers(2).bidirectional(true), gen);
  export_sequence_model(folder, "gru_unbatched", unbatched, randn({4, 2}, gen));
  LSTMCell lstm_cell(LSTMCellOptions(2, 3).bias(false), gen);
  export_sequence_model(folder, "lstm_cell", lstm_cell, randn({4, 2}, gen));
  GRUCell gru_cell(GRUCellOptions(2, 3), gen);
  export_sequence_model(folder, "gru_cell_unbatched", gru_cell, randn({2}, gen));
  Sequential options{std::make_shared<Linear>(3, 4, false, gen),
                     std::make_shared<BatchNorm1d>(BatchNormOptions(4).momentum(std::nullopt).affine(false).eps(1e-3)),
                     std::make_shared<LayerNorm>(LayerNormOptions({4}).elementwise_affine(false)),
                     std::make_shared<Sequential>(
                         std::initializer_list<std::shared_ptr<Module>>{std::make_shared<Linear>(4, 2, true, gen),
                                                                        std::make_shared<Softmax>(-1)})};
  {
    NoGrad no_grad;
    for (int i = 0; i < 3; ++i) options(randn({6, 3}, gen) * 2.0f - 1.0f);
  }
  export_sequence_model(folder, "options_nested", options, randn({5, 3}, gen));
  Embedding embedding(EmbeddingOptions(5, 3).padding_idx(-1), gen);
  export_sequence_model(folder, "embedding_negative_padding", embedding, Tensor(Array{{4.0f, 0.0f}, {2.0f, 4.0f}}));
  std::printf("wrote 16 models to %s\n", folder.c_str());
  return 0;
}
