// Bidirectional and stacked LSTM and GRU: PyTorch fixtures (tests/fixtures/rnn.json), parameter
// names, and the dropout between layers (training mode only, inverted scaling).
#include "layers/rnn_cases.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {
std::vector<std::string> parameter_names(const Module& m) {
  std::vector<std::string> names;
  for (auto& [name, p] : m.named_parameters()) names.push_back(name);
  return names;
}
}  // namespace

TEST_CASE("bidirectional: LSTM and GRU outputs, h_n, c_n and all gradients match PyTorch (2 layers, batch_first)") {
  for (const Json& c : rnn_cases("bidirectional")) check_sequence_case(c);
}

TEST_CASE("bidirectional: PyTorch's _reverse names and order, 2H inputs above the first layer, repr") {
  GRU gru(GRUOptions(3, 4).num_layers(2).bidirectional(true));
  CHECK(parameter_names(gru) ==
        std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
                                 "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_ih_l1",
                                 "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_ih_l1_reverse",
                                 "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"});
  CHECK(gru.weight_ih[1].shape() == Shape{12, 3});
  CHECK(gru.weight_ih[2].shape() == Shape{12, 8});
  CHECK(gru.repr() == "GRU(3, 4, num_layers=2, bidirectional=True)");
  LSTM lstm(LSTMOptions(3, 4).bidirectional(true).dropout(0.25).num_layers(2));
  CHECK(lstm.repr() == "LSTM(3, 4, num_layers=2, dropout=0.25, bidirectional=True)");
  CHECK(build_module(describe(lstm))->repr() == lstm.repr());
  LSTMOutput out = lstm.forward(zeros({5, 2, 3}), std::nullopt);
  CHECK(out.output.shape() == Shape{5, 2, 8});
  CHECK(out.state.h.shape() == Shape{4, 2, 4});
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({5, 2, 3}), LSTMState{zeros({2, 2, 4}), zeros({2, 2, 4})}),
                       "LSTM: expected h0 and c0 of shape [4, 2, 4], got [2, 2, 4] and [2, 2, 4]",
                       std::invalid_argument);
}

TEST_CASE("bidirectional: the reverse direction is the forward one run on the reversed sequence") {
  Generator gen(8);
  GRU bi(GRUOptions(2, 3).bidirectional(true), gen);
  GRU fw(GRUOptions(2, 3), gen);
  for (std::size_t i = 0; i < 4; ++i) fw.parameters()[i].mutable_value() = bi.parameters()[4 + i].value();
  Tensor x = randn({4, 2, 2}, gen);
  Tensor reversed = concat({narrow(x, 0, 3, 1), narrow(x, 0, 2, 1), narrow(x, 0, 1, 1), narrow(x, 0, 0, 1)}, 0);
  GRUOutput a = bi.forward(x, std::nullopt), b = fw.forward(reversed, std::nullopt);
  for (std::size_t t = 0; t < 4; ++t)
    CHECK(same_bits(narrow(narrow(a.output, 0, t, 1), 2, 3, 3).value(), narrow(b.output, 0, 3 - t, 1).value()));
  CHECK(same_bits(narrow(a.h_n, 0, 1, 1).value(), b.h_n.value()));
}

TEST_CASE("rnn dropout: eval mode and p = 0 give exactly the output without dropout") {
  Generator init_a(3), init_b(3), data(4);
  GRU dropped(GRUOptions(3, 6).num_layers(3).dropout(0.5), init_a);
  GRU plain(GRUOptions(3, 6).num_layers(3), init_b);  // the same parameters: the same draws
  Tensor x = randn({5, 4, 3}, data);
  Array reference = plain.forward(x, std::nullopt).output.value();  // training mode, no dropout
  dropped.eval();
  CHECK(same_bits(dropped.forward(x, std::nullopt).output.value(), reference));
  Generator init_c(3);
  GRU zero(GRUOptions(3, 6).num_layers(3).dropout(0.0), init_c);
  CHECK(zero.is_training());
  CHECK(same_bits(zero.forward(x, std::nullopt).output.value(), reference));
  dropped.train();
  CHECK(!same_bits(dropped.forward(x, std::nullopt).output.value(), reference));
}

TEST_CASE("rnn dropout: each layer but the last gets dropout(output, p) from the module's generator") {
  Generator init(6), data(7);
  const float p = 0.4f;
  LSTM stacked(LSTMOptions(3, 5).num_layers(2).bidirectional(true).dropout(p), init);
  stacked.dropout_generator = std::make_shared<Generator>(99);
  LSTM first(LSTMOptions(3, 5).bidirectional(true)), second(LSTMOptions(10, 5).bidirectional(true));
  auto params = stacked.parameters();
  for (std::size_t i = 0; i < 8; ++i) {
    first.parameters()[i].mutable_value() = params[i].value();
    second.parameters()[i].mutable_value() = params[8 + i].value();
  }
  Tensor x = randn({6, 3, 3}, data);
  LSTMOutput out = stacked.forward(x, std::nullopt);
  // Rebuild it: the first layer's output, masked by the same draws, into the second layer.
  Tensor between = first.forward(x, std::nullopt).output;
  Generator same(99);
  Tensor masked = dropout(between, p, true, same);
  CHECK(same_bits(out.output.value(), second.forward(masked, std::nullopt).output.value()));
  // Inverted scaling: every element is dropped (0) or kept and scaled by 1/(1 − p).
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < masked.numel(); ++i) {
    float m = masked.value().data()[i], b = between.value().data()[i];
    if (m == 0.0f) {
      ++dropped;
    } else {
      CHECK(m == doctest::Approx(b / (1.0f - p)).epsilon(1e-6));
    }
  }
  CHECK(dropped > 0);
  CHECK(dropped < masked.numel());
}

TEST_CASE("rnn dropout: about p of the values between layers are dropped, and their mean is kept") {
  // The mask the module draws is the one dropout() draws from a copy of its generator (the
  // test above), so count on that copy over many elements.
  Generator init(12), data(13);
  const float p = 0.3f;
  auto gen = std::make_shared<Generator>(5);
  GRU stacked(GRUOptions(4, 64).num_layers(2).dropout(p), init);
  stacked.dropout_generator = gen;
  GRU first(GRUOptions(4, 64));
  for (std::size_t i = 0; i < 4; ++i) first.parameters()[i].mutable_value() = stacked.parameters()[i].value();
  Tensor x = randn({20, 16, 4}, data);
  Tensor between = first.forward(x, std::nullopt).output;
  Generator same(5);
  Tensor masked = dropout(between, p, true, same);
  stacked.forward(x, std::nullopt);
  // The module drew exactly one mask of this size from its generator: the copy is now in step.
  CHECK(gen->state() == same.state());
  double zeros_seen = 0, sum_in = 0, sum_out = 0;
  for (std::size_t i = 0; i < masked.numel(); ++i) {
    zeros_seen += masked.value().data()[i] == 0.0f;
    sum_in += std::fabs(between.value().data()[i]);
    sum_out += std::fabs(masked.value().data()[i]);
  }
  double n = static_cast<double>(masked.numel());  // 20 480 values: the rate's sd is 0.0032
  CHECK(zeros_seen / n == doctest::Approx(p).epsilon(0.05));
  CHECK(sum_out / sum_in == doctest::Approx(1.0).epsilon(0.03));
}
