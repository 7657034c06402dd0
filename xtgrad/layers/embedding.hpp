// Embedding: a lookup table of vectors indexed by whole numbers, as nn.Embedding.
#pragma once

#include <optional>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/random.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// EmbeddingOptions(1000, 16).padding_idx(0); a negative padding_idx counts from the end.
struct EmbeddingOptions {
  EmbeddingOptions(std::size_t num_embeddings, std::size_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  EmbeddingOptions& padding_idx(std::optional<std::int64_t> v) {
    padding_idx_ = v;
    return *this;
  }
  std::size_t num_embeddings() const { return num_embeddings_; }
  std::size_t embedding_dim() const { return embedding_dim_; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }

 private:
  std::size_t num_embeddings_, embedding_dim_;
  std::optional<std::int64_t> padding_idx_;
};

class Embedding : public Module {
 public:
  /// weight [num_embeddings, embedding_dim] drawn from N(0, 1) as PyTorch, the padding row zeroed.
  explicit Embedding(const EmbeddingOptions& options);
  Embedding(const EmbeddingOptions& options, Generator& gen);
  Embedding(std::size_t num_embeddings, std::size_t embedding_dim);
  /// An embedding holding a copy of `weights` [V, D]; frozen (no gradient) unless freeze is false.
  static std::shared_ptr<Embedding> from_pretrained(const Tensor& weights, bool freeze = true,
                                                    std::optional<std::int64_t> padding_idx = std::nullopt);
  static std::shared_ptr<Embedding> from_config(const Value& config);

  /// indices of any shape (a float tensor of whole numbers in [0, num_embeddings)) -> indices'
  /// shape + [embedding_dim]. The gradient scatter-adds into the rows used; the padding row gets none.
  Tensor forward(const Tensor& indices) override;
  std::string type_name() const override { return "Embedding"; }
  /// Token indices, not features: a Sequential starting with an Embedding says so instead of
  /// giving a later layer's width.
  std::optional<InputSpec> input_spec() const override { return InputSpec{0, false, true, num_embeddings}; }
  Value config() const override;

  std::size_t num_embeddings, embedding_dim;
  std::optional<std::size_t> padding_idx;  ///< normalised to [0, num_embeddings)
  Tensor weight;                           // [num_embeddings, embedding_dim]

 protected:
  std::string extra_repr() const override;
};

}  // namespace xtgrad

XTGRAD_API_END
