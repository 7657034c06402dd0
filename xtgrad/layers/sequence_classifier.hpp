// SequenceClassifier: the recurrent classifier users build by hand, as one registered module:
// [Embedding →] LSTM or GRU (stacked, bidirectional, dropout between layers) → the last layer's
// final hidden state (both directions concatenated) → [LayerNorm →] [Dropout →] Linear.
#pragma once

#include <optional>
#include <string>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/dropout.hpp"
#include "xtgrad/layers/embedding.hpp"
#include "xtgrad/layers/gru.hpp"
#include "xtgrad/layers/linear.hpp"
#include "xtgrad/layers/lstm.hpp"
#include "xtgrad/layers/normalization.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// SequenceClassifierOptions(16, 64).num_embeddings(20).padding_idx(0).cell("gru").bidirectional(true)
/// .dropout(0.1).layer_norm(true).num_classes(3). With num_embeddings the model takes token
/// indices [B, T] and input_size is the embedding width; without, it takes features [B, T, input_size].
struct SequenceClassifierOptions {
  SequenceClassifierOptions(std::size_t input_size, std::size_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  SequenceClassifierOptions& num_embeddings(std::optional<std::size_t> v) {
    num_embeddings_ = v;
    return *this;
  }
  SequenceClassifierOptions& padding_idx(std::optional<std::int64_t> v) {
    padding_idx_ = v;
    return *this;
  }
  /// "lstm" or "gru".
  SequenceClassifierOptions& cell(std::string v) {
    cell_ = std::move(v);
    return *this;
  }
  SequenceClassifierOptions& num_layers(std::size_t n) {
    num_layers_ = n;
    return *this;
  }
  SequenceClassifierOptions& bidirectional(bool on) {
    bidirectional_ = on;
    return *this;
  }
  /// Between stacked layers and on the head's input, in training mode only.
  SequenceClassifierOptions& dropout(double p) {
    dropout_ = p;
    return *this;
  }
  SequenceClassifierOptions& layer_norm(bool on) {
    layer_norm_ = on;
    return *this;
  }
  /// 1: one binary logit per sequence; more: one logit per class.
  SequenceClassifierOptions& num_classes(std::size_t n) {
    num_classes_ = n;
    return *this;
  }
  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  std::optional<std::size_t> num_embeddings() const { return num_embeddings_; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }
  const std::string& cell() const { return cell_; }
  std::size_t num_layers() const { return num_layers_; }
  bool bidirectional() const { return bidirectional_; }
  double dropout() const { return dropout_; }
  bool layer_norm() const { return layer_norm_; }
  std::size_t num_classes() const { return num_classes_; }

 private:
  std::size_t input_size_, hidden_size_;
  std::optional<std::size_t> num_embeddings_;
  std::optional<std::int64_t> padding_idx_;
  std::string cell_ = "lstm";
  std::size_t num_layers_ = 1;
  bool bidirectional_ = false;
  double dropout_ = 0.0;
  bool layer_norm_ = false;
  std::size_t num_classes_ = 1;
};

/// Children (PyTorch-style names, only those in use): embedding, rnn (an LSTM or GRU with
/// batch_first), norm (LayerNorm(D·H)), head_dropout, fc (Linear(D·H, num_classes)).
/// input [B, T] token indices or [B, T, input_size] -> logits [B, num_classes].
class SequenceClassifier : public Module {
 public:
  explicit SequenceClassifier(const SequenceClassifierOptions& options);
  SequenceClassifier(const SequenceClassifierOptions& options, Generator& gen);
  static std::shared_ptr<SequenceClassifier> from_config(const Value& config);

  Tensor forward(const Tensor& input) override;
  /// The head's input: the last layer's final hidden state, [B, D·H] (forward then reverse).
  Tensor features(const Tensor& input);
  std::string type_name() const override { return "SequenceClassifier"; }
  Value config() const override;
  /// Token models report token_indices and the vocabulary (predict then takes rows of T token ids).
  std::optional<InputSpec> input_spec() const override;

  const SequenceClassifierOptions options;
  std::shared_ptr<Embedding> embedding;  ///< null for feature input
  std::shared_ptr<LSTM> lstm;            ///< exactly one of lstm and gru is set (child "rnn")
  std::shared_ptr<GRU> gru;
  std::shared_ptr<LayerNorm> norm;        ///< null unless layer_norm
  std::shared_ptr<Dropout> head_dropout;  ///< null unless dropout > 0
  std::shared_ptr<Linear> fc;
};

}  // namespace xtgrad

XTGRAD_API_END
