// Guide snippets: normalisation, dropout, embeddings and the activations, as modules and as
// functions; train and eval modes; GRU and bidirectional, stacked RNNs; SequenceClassifier.
// Compiled and run by CTest.
#include <cstdio>

#include <xtgrad/io.hpp>

using namespace xtgrad;

bool dense() {
  // [snippet:layers]
  manual_seed(0);
  Sequential model{std::make_shared<Linear>(16, 64),
                   std::make_shared<BatchNorm1d>(
                       BatchNormOptions(64)),  // momentum 0.1; .momentum(std::nullopt): cumulative
                   std::make_shared<GELU>(),   // GELU("tanh") for the approximation
                   std::make_shared<Dropout>(0.1),
                   std::make_shared<Linear>(64, 64),
                   std::make_shared<LayerNorm>(LayerNormOptions({64})),
                   std::make_shared<LeakyReLU>(0.01),
                   std::make_shared<Linear>(64, 10)};
  Tensor x = randn({32, 16});

  model.train();             // the default: Dropout drops, BatchNorm uses (and tracks) batch statistics
  Tensor logits = model(x);  // [32, 10]
  model.eval();              // Dropout is the identity, BatchNorm uses running_mean and running_var
  Tensor same_each_time = model(x);
  // model.state_dict() holds "1.running_mean", "1.running_var", "1.num_batches_tracked" beside
  // the parameters: save_weights, checkpoints and tools/torch_json.py carry them.
  // [end-snippet]
  return logits.shape() == Shape{32, 10} && model.state_dict().size() == 13 &&
         same_each_time.value() == model(x).value();
}

bool tokens() {
  // [snippet:embedding]
  // Token ids are float tensors holding whole numbers, of any shape: [batch, steps] here.
  Embedding embed(EmbeddingOptions(/*num_embeddings=*/100, /*embedding_dim=*/8).padding_idx(0));
  Tensor ids = tensor({{5.0f, 17.0f, 0.0f}, {42.0f, 0.0f, 0.0f}});
  Tensor vectors = embed(ids);  // [2, 3, 8]; row 0 (padding) is zeros and receives no gradient

  Tensor pretrained = randn({100, 8});
  auto frozen = Embedding::from_pretrained(pretrained);  // freeze = true: weight needs no grad
  // [end-snippet]
  return vectors.shape() == Shape{2, 3, 8} && !frozen->weight.requires_grad();
}

bool functions() {
  // [snippet:functions]
  Tensor x = randn({4, 6}, /*requires_grad=*/true);
  Tensor y = layer_norm(gelu(x, GeluApproximation::Tanh), /*normalized_shape=*/{6});
  Tensor z = dropout(silu(y), /*p=*/0.2f, /*training=*/true);
  Tensor p = softmax(hardtanh(z, -2.0f, 2.0f), /*dim=*/1);
  sum(p * p).backward();  // every one is an op on the tape
  // Also: leaky_relu, elu, softplus(x, beta, threshold), log_softmax, flatten, batch_norm, embedding.
  // [end-snippet]
  return x.has_grad();
}

bool recurrent() {
  // [snippet:gru]
  GRU gru(GRUOptions(/*input_size=*/8, /*hidden_size=*/32).num_layers(2).batch_first(true));
  Tensor sequences = randn({5, 20, 8});                  // [batch, steps, features]
  GRUOutput out = gru.forward(sequences, std::nullopt);  // zero initial state
  // out.output: every h_t of the last layer, [5, 20, 32]; out.h_n: [num_layers, batch, hidden]

  // Both directions, and dropout on the outputs of every layer but the last (training mode only).
  LSTM bi(LSTMOptions(8, 32).num_layers(2).batch_first(true).bidirectional(true).dropout(0.2));
  LSTMOutput both = bi.forward(sequences, std::nullopt);
  // both.output: [5, 20, 64], forward then reverse on the last dim; both.state.h and .c:
  // [num_layers * 2, batch, hidden], layer by layer, forward before reverse, as PyTorch.
  GRUCell cell(GRUCellOptions(8, 32));
  Tensor h = cell.forward(randn({5, 8}), std::nullopt);  // one step: [5, 32]
  // [end-snippet]
  return out.output.shape() == Shape{5, 20, 32} && out.h_n.shape() == Shape{2, 5, 32} &&
         both.output.shape() == Shape{5, 20, 64} && both.state.c.shape() == Shape{4, 5, 32} &&
         h.shape() == Shape{5, 32};
}

bool sequence_classifier() {
  // [snippet:sequence_classifier]
  SequenceClassifier net(SequenceClassifierOptions(/*input_size=*/16, /*hidden_size=*/32)
                             .num_embeddings(100)  // token ids [batch, steps] through Embedding(100, 16)
                             .padding_idx(0)
                             .cell("gru")  // or "lstm"
                             .bidirectional(true)
                             .num_layers(2)
                             .dropout(0.1)  // between the layers and before fc
                             .layer_norm(true)
                             .num_classes(3));              // 1: one binary logit
  Tensor ids = tensor({{0, 0, 5, 7, 9}, {3, 1, 4, 1, 5}});  // padded at the front with 0
  Tensor logits = net(ids);                                 // [2, 3]
  // [end-snippet]
  return logits.shape() == Shape{2, 3};
}

int main() {
  bool ok = dense() && tokens() && functions() && recurrent() && sequence_classifier();
  std::printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
