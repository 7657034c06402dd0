// Dropout (train and eval separately; closed-form checks, as its masks cannot match PyTorch's
// generator) and Embedding (PyTorch fixtures, padding row, init, errors).
#include "layers/layer_fixtures.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

TEST_CASE("dropout: in training, kept elements are scaled by 1/(1 - p), the gradient is the mask") {
  auto gen = std::make_shared<Generator>(7);
  Dropout drop(0.25, gen);
  CHECK(drop.is_training());
  Tensor x = rand({200, 50}, 1.0f, 2.0f, true);
  Tensor y = drop(x);
  y.backward(xt::ones<float>(y.value().shape()));
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < x.numel(); ++i) {
    float scale = y.value().data()[i] / x.value().data()[i];
    bool ok = scale == 0.0f || std::fabs(scale - 1.0f / 0.75f) < 1e-6f;
    if (!ok) FAIL_CHECK("element " << i << " scaled by " << scale);
    zeros += scale == 0.0f;
    CHECK(x.grad().data()[i] == (scale == 0.0f ? 0.0f : 1.0f / 0.75f));
  }
  // 10 000 Bernoulli(0.25) draws: the fraction is within 0.25 ± 0.02 (over 4.6 standard deviations).
  CHECK(std::fabs(static_cast<double>(zeros) / static_cast<double>(x.numel()) - 0.25) < 0.02);
  // The same seed gives the same mask.
  Dropout again(0.25, std::make_shared<Generator>(7));
  CHECK(again(x.detach()).value() == y.value());
}

TEST_CASE("dropout: gradcheck with the mask held fixed (the generator re-seeded on each call)") {
  auto gen = std::make_shared<Generator>();
  Dropout drop(0.3, gen);
  auto f = [&](const std::vector<Tensor>& in) {
    gen->manual_seed(21);
    return drop(in[0]);
  };
  CHECK_GRADCHECK(f, std::vector<Tensor>{randn({6, 5}, true)});
}

TEST_CASE("dropout: eval mode, p = 0 and p = 1 are exact") {
  Tensor x = randn({4, 5}, true);
  Dropout drop(0.5);
  drop.eval();
  CHECK(drop(x).same_as(x));  // the identity in eval, not even a copy
  drop.train();
  CHECK(Dropout(0.0)(x).same_as(x));
  Tensor none = Dropout(1.0)(x);
  CHECK(none.value() == xt::zeros<float>({4, 5}));
  none.backward(xt::ones<float>({4, 5}));
  CHECK(x.grad() == xt::zeros<float>({4, 5}));
  CHECK_THROWS_WITH_AS(Dropout(1.5), "Dropout: probability has to be between 0 and 1, but got 1.500000",
                       std::invalid_argument);
  CHECK(to_json(describe(Dropout(0.1))) == Json{{"type", "Dropout"}, {"p", 0.1}});
}

TEST_CASE("embedding: lookups and scatter-added gradients match PyTorch, and the padding row gets none") {
  for (const Json& c : layer_cases("embedding")) {
    std::string config = c.at("module").dump();
    CAPTURE(config);
    auto emb = build_case_module(c);
    load_state(*emb, c.at("params"));
    Tensor y = (*emb)(to_tensor(c.at("indices")));
    CHECK_ALL_CLOSE(y.value(), to_array(c.at("output")));
    y.backward(to_array(c.at("upstream")));
    check_parameter_grads(*emb, c.at("grads"));
  }
}

TEST_CASE("embedding: init as PyTorch, from_pretrained, gradcheck and errors") {
  Generator gen(9);
  Embedding emb(EmbeddingOptions(50, 40).padding_idx(-1), gen);
  CHECK(*emb.padding_idx == 49);
  auto w = emb.weight.value();
  for (std::size_t j = 0; j < 40; ++j) CHECK(w(49, j) == 0.0f);
  double sum = 0, squares = 0;
  for (std::size_t i = 0; i < 49 * 40; ++i) sum += w.data()[i], squares += w.data()[i] * w.data()[i];
  CHECK(std::fabs(sum / 1960) < 0.1);  // N(0, 1): mean within ~4.4 standard errors
  CHECK(std::fabs(squares / 1960 - 1.0) < 0.15);

  Tensor pretrained = tensor({{1.0f, 2.0f}, {3.0f, 4.0f}, {5.0f, 6.0f}});
  auto frozen = Embedding::from_pretrained(pretrained, true, 0);
  CHECK(!frozen->weight.requires_grad());
  CHECK(frozen->weight.value() == pretrained.value());  // the padding row keeps its given values
  CHECK((*frozen)(tensor({2.0f, 0.0f})).value() == Array{{5.0f, 6.0f}, {1.0f, 2.0f}});
  CHECK(to_json(describe(*frozen)) ==
        Json{{"type", "Embedding"}, {"num_embeddings", 3}, {"embedding_dim", 2}, {"padding_idx", 0}, {"freeze", true}});
  CHECK(Embedding::from_pretrained(pretrained, false)->weight.requires_grad());

  Embedding small(EmbeddingOptions(4, 3).padding_idx(1), gen);
  Tensor idx = tensor({{0.0f, 2.0f, 3.0f}, {3.0f, 2.0f, 0.0f}});  // not the padding row: its lookups do move the output
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return small(idx); }, std::vector<Tensor>{small.weight});

  CHECK_THROWS_WITH_AS(small(tensor({4.0f})), "embedding: index 4 is out of range for a dimension of size 4",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(small(tensor({1.5f})), "embedding: index must hold whole numbers, got 1.5",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Embedding(EmbeddingOptions(4, 3).padding_idx(4)),
                       "Embedding: padding_idx must be within num_embeddings (4), got 4", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Embedding::from_pretrained(zeros({3})),
                       doctest::Contains("expected weights [num_embeddings, embedding_dim]"), std::invalid_argument);
}
