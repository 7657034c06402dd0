// Embedding over the embedding op (a row gather whose backward scatter-adds).
#include "xtgrad/layers/embedding.hpp"

#include <stdexcept>

#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

constexpr std::int64_t kMaxSize = std::int64_t{1} << 24;

std::optional<std::size_t> normalized_padding(const EmbeddingOptions& o) {
  const auto rows = static_cast<std::int64_t>(o.num_embeddings());
  if (o.num_embeddings() == 0 || o.embedding_dim() == 0 || rows > kMaxSize ||
      static_cast<std::int64_t>(o.embedding_dim()) > kMaxSize)
    throw std::invalid_argument("Embedding: num_embeddings and embedding_dim must be from 1 to 16777216, got " +
                                std::to_string(o.num_embeddings()) + " and " + std::to_string(o.embedding_dim()));
  if (!o.padding_idx()) return std::nullopt;
  std::int64_t p = *o.padding_idx();
  if (p < -rows || p >= rows)
    throw std::invalid_argument("Embedding: padding_idx must be within num_embeddings (" + std::to_string(rows) +
                                "), got " + std::to_string(p));
  return static_cast<std::size_t>(p < 0 ? p + rows : p);
}

}  // namespace

Embedding::Embedding(const EmbeddingOptions& options) : Embedding(options, default_generator()) {}

Embedding::Embedding(std::size_t n, std::size_t d) : Embedding(EmbeddingOptions(n, d)) {}

Embedding::Embedding(const EmbeddingOptions& options, Generator& gen)
    : num_embeddings(options.num_embeddings()),
      embedding_dim(options.embedding_dim()),
      padding_idx(normalized_padding(options)) {
  weight = register_parameter("weight", randn({num_embeddings, embedding_dim}, gen));
  if (padding_idx) {
    float* row = weight.mutable_value().data() + *padding_idx * embedding_dim;
    std::fill(row, row + embedding_dim, 0.0f);
  }
}

std::shared_ptr<Embedding> Embedding::from_pretrained(const Tensor& weights, bool freeze,
                                                      std::optional<std::int64_t> padding_idx) {
  if (weights.dim() != 2)
    throw std::invalid_argument("Embedding::from_pretrained: expected weights [num_embeddings, embedding_dim], got " +
                                shape_str(weights.shape()));
  Generator unused;  // the random init is overwritten at once
  auto e =
      std::make_shared<Embedding>(EmbeddingOptions(weights.size(0), weights.size(1)).padding_idx(padding_idx), unused);
  e->weight.copy_(weights.value());  // as PyTorch, the padding row keeps the given values
  e->weight.requires_grad_(!freeze);
  return e;
}

std::shared_ptr<Embedding> Embedding::from_config(const Value& c) {
  std::optional<std::int64_t> padding;
  if (c.contains("padding_idx") && !c.at("padding_idx").is_null())
    padding = c.get_int_in("padding_idx", -kMaxSize, kMaxSize);
  auto e = std::make_shared<Embedding>(
      EmbeddingOptions(static_cast<std::size_t>(c.get_int_in("num_embeddings", 1, kMaxSize)),
                       static_cast<std::size_t>(c.get_int_in("embedding_dim", 1, kMaxSize)))
          .padding_idx(padding));
  if (c.get_bool_or("freeze", false)) e->weight.requires_grad_(false);
  return e;
}

Tensor Embedding::forward(const Tensor& indices) { return embedding(indices, weight, padding_idx); }

Value Embedding::config() const {
  Value c = Value::dict();
  c["num_embeddings"] = num_embeddings;
  c["embedding_dim"] = embedding_dim;
  c["padding_idx"] = padding_idx ? Value(*padding_idx) : Value();
  c["freeze"] = !weight.requires_grad();
  return c;
}

std::string Embedding::extra_repr() const {
  return std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim) +
         (padding_idx ? ", padding_idx=" + std::to_string(*padding_idx) : "");
}

}  // namespace xtgrad
