// SequenceClassifier: composes Embedding, LSTM/GRU, LayerNorm, Dropout and Linear.
#include "xtgrad/layers/sequence_classifier.hpp"

#include <stdexcept>

#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

constexpr std::int64_t kMaxSize = std::int64_t{1} << 24;

std::string shape_text(const Tensor& t) {
  std::string s = "[";
  for (std::size_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

const SequenceClassifierOptions& checked(const SequenceClassifierOptions& o) {
  if (o.cell() != "lstm" && o.cell() != "gru")
    throw std::invalid_argument("SequenceClassifier: cell must be \"lstm\" or \"gru\", got \"" + o.cell() + "\"");
  if (o.num_classes() == 0 || static_cast<std::int64_t>(o.num_classes()) > kMaxSize)
    throw std::invalid_argument("SequenceClassifier: num_classes must be from 1 to 16777216, got " +
                                std::to_string(o.num_classes()));
  if (o.padding_idx() && !o.num_embeddings())
    throw std::invalid_argument("SequenceClassifier: padding_idx needs num_embeddings (token input)");
  return o;
}

}  // namespace

SequenceClassifier::SequenceClassifier(const SequenceClassifierOptions& options)
    : SequenceClassifier(options, default_generator()) {}

SequenceClassifier::SequenceClassifier(const SequenceClassifierOptions& o, Generator& gen) : options(checked(o)) {
  // Children are created in PyTorch's order (embedding, rnn, norm, fc) so one seed draws the
  // same initial weights as the hand composition of the same modules.
  if (o.num_embeddings())
    embedding =
        register_module("embedding",
                        std::make_shared<Embedding>(
                            EmbeddingOptions(*o.num_embeddings(), o.input_size()).padding_idx(o.padding_idx()), gen));
  const RecurrentOptions rnn = RecurrentOptions(o.input_size(), o.hidden_size())
                                   .num_layers(o.num_layers())
                                   .batch_first(true)
                                   .bidirectional(o.bidirectional())
                                   .dropout(o.dropout());
  if (o.cell() == "lstm") lstm = register_module("rnn", std::make_shared<LSTM>(rnn, gen));
  else gru = register_module("rnn", std::make_shared<GRU>(rnn, gen));
  const std::size_t width = (o.bidirectional() ? 2 : 1) * o.hidden_size();
  if (o.layer_norm()) norm = register_module("norm", std::make_shared<LayerNorm>(LayerNormOptions({width})));
  if (o.dropout() > 0.0) head_dropout = register_module("head_dropout", std::make_shared<Dropout>(o.dropout()));
  fc = register_module("fc", std::make_shared<Linear>(width, o.num_classes(), true, gen));
}

std::shared_ptr<SequenceClassifier> SequenceClassifier::from_config(const Value& c) {
  SequenceClassifierOptions o(static_cast<std::size_t>(c.get_int_in("input_size", 1, kMaxSize)),
                              static_cast<std::size_t>(c.get_int_in("hidden_size", 1, kMaxSize)));
  if (c.contains("num_embeddings") && !c.at("num_embeddings").is_null())
    o.num_embeddings(static_cast<std::size_t>(c.get_int_in("num_embeddings", 1, kMaxSize)));
  if (c.contains("padding_idx") && !c.at("padding_idx").is_null())
    o.padding_idx(c.get_int_in("padding_idx", -kMaxSize, kMaxSize));
  o.cell(c.get_string("cell"))
      .num_layers(static_cast<std::size_t>(c.get_int_in("num_layers", 1, 1024)))
      .bidirectional(c.get_bool_or("bidirectional", false))
      .dropout(c.get_real_or("dropout", 0.0))
      .layer_norm(c.get_bool_or("layer_norm", false))
      .num_classes(static_cast<std::size_t>(c.get_int_in("num_classes", 1, kMaxSize)));
  return std::make_shared<SequenceClassifier>(o);
}

Value SequenceClassifier::config() const {
  Value c = Value::dict();
  c["input_size"] = options.input_size();
  c["hidden_size"] = options.hidden_size();
  c["num_embeddings"] = options.num_embeddings() ? Value(*options.num_embeddings()) : Value();
  // The normalised index the Embedding holds, so a negative one is not re-normalised on load.
  c["padding_idx"] = embedding && embedding->padding_idx ? Value(*embedding->padding_idx) : Value();
  c["cell"] = options.cell();
  c["num_layers"] = options.num_layers();
  c["bidirectional"] = options.bidirectional();
  c["dropout"] = options.dropout();
  c["layer_norm"] = options.layer_norm();
  c["num_classes"] = options.num_classes();
  return c;
}

std::optional<InputSpec> SequenceClassifier::input_spec() const {
  if (embedding) return InputSpec{0, true, true, embedding->num_embeddings};
  return InputSpec{options.input_size(), true};
}

Tensor SequenceClassifier::features(const Tensor& input) {
  Tensor x = input;
  if (embedding) {
    if (input.dim() != 2)
      throw std::invalid_argument("SequenceClassifier: token input must be [batch, steps] of indices, got shape " +
                                  shape_text(input));
    x = (*embedding)(input);
  } else if (input.dim() != 3) {
    throw std::invalid_argument("SequenceClassifier: input must be [batch, steps, " +
                                std::to_string(options.input_size()) + "], got shape " + shape_text(input));
  }
  Tensor h_n = lstm ? lstm->forward_state(x, std::nullopt).h : gru->forward_state(x, std::nullopt);
  // h_n is [L·D, B, H], layer by layer, forward then reverse: the last layer's D rows side by side.
  const std::size_t directions = options.bidirectional() ? 2 : 1, last = (options.num_layers() - 1) * directions;
  const auto batch = static_cast<std::int64_t>(h_n.size(1)), hidden = static_cast<std::int64_t>(h_n.size(2));
  std::vector<Tensor> rows;
  for (std::size_t d = 0; d < directions; ++d) rows.push_back(reshape(narrow(h_n, 0, last + d, 1), {batch, hidden}));
  return rows.size() == 1 ? rows[0] : concat(rows, 1);
}

Tensor SequenceClassifier::forward(const Tensor& input) {
  Tensor h = features(input);
  if (norm) h = (*norm)(h);
  if (head_dropout) h = (*head_dropout)(h);
  return (*fc)(h);
}

}  // namespace xtgrad
