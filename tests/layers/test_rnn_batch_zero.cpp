// Recurrent layers and cells on a batch of 0 rows, as PyTorch 1.13 runs them: empty outputs and
// states, and zero gradients for every weight; a sequence of 0 steps is refused, as PyTorch's
// "Expected sequence length to be larger than 0 in RNN".
#include <doctest/doctest.h>

#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

namespace {

// Every parameter has a gradient of its own shape, all zeros (torch: p.grad.abs().sum() == 0).
void check_zero_parameter_grads(Module& module) {
  for (const auto& named : module.named_parameters()) {
    const std::string& name = named.first;
    const Tensor& p = named.second;
    CAPTURE(name);
    REQUIRE(p.has_grad());
    CHECK(p.grad().shape() == p.value().shape());
    CHECK(xt::all(xt::equal(p.grad(), 0.0f)));
  }
}

Tensor empty_input(const Shape& shape) { return Tensor(Array(xt::zeros<float>(shape)), true); }

}  // namespace

TEST_CASE("lstm and gru: a batch of 0 gives empty outputs and states and zero weight gradients, as PyTorch") {
  // torch: m = nn.LSTM(3, 4, num_layers=2, bidirectional=bi); o, (h, c) = m(torch.zeros(5, 0, 3))
  // gives o [5, 0, 4·D], h and c [2·D, 0, 4]; o.sum().backward() leaves every p.grad zeros.
  for (bool gru : {false, true}) {
    for (bool bidirectional : {false, true}) {
      for (bool batch_first : {false, true}) {
        CAPTURE(gru);
        CAPTURE(bidirectional);
        CAPTURE(batch_first);
        auto options = RecurrentOptions(3, 4).num_layers(2).bidirectional(bidirectional).batch_first(batch_first);
        const std::size_t D = bidirectional ? 2 : 1;
        Tensor x = empty_input(batch_first ? Shape{0, 5, 3} : Shape{5, 0, 3});
        Tensor output, h_n;
        std::shared_ptr<Module> module;
        if (gru) {
          auto m = std::make_shared<GRU>(options);
          GRUOutput out = m->forward(x, std::nullopt);
          output = out.output;
          h_n = out.h_n;
          module = m;
        } else {
          auto m = std::make_shared<LSTM>(options);
          LSTMOutput out = m->forward(x, LSTMState{zeros({2 * D, 0, 4}), zeros({2 * D, 0, 4})});
          output = out.output;
          h_n = out.state.h;
          CHECK(out.state.c.shape() == Shape{2 * D, 0, 4});
          module = m;
        }
        CHECK(output.shape() == (batch_first ? Shape{0, 5, 4 * D} : Shape{5, 0, 4 * D}));
        CHECK(h_n.shape() == Shape{2 * D, 0, 4});
        sum(output).backward();
        check_zero_parameter_grads(*module);
        REQUIRE(x.has_grad());
        CHECK(x.grad().shape() == x.value().shape());
      }
    }
  }
}

TEST_CASE("LSTMCell and GRUCell: a batch of 0 gives empty states and zero weight gradients, as PyTorch") {
  // torch: nn.LSTMCell(3, 4)(torch.zeros(0, 3)) gives h, c [0, 4]; nn.GRUCell(3, 4) gives h [0, 4].
  LSTMCell lstm_cell(3, 4);
  LSTMState state = lstm_cell.forward(empty_input({0, 3}), std::nullopt);
  CHECK(state.h.shape() == Shape{0, 4});
  CHECK(state.c.shape() == Shape{0, 4});
  sum(state.h).backward();
  check_zero_parameter_grads(lstm_cell);

  GRUCell gru_cell(GRUCellOptions(3, 4));
  Tensor h = gru_cell.forward(empty_input({0, 3}), zeros({0, 4}));
  CHECK(h.shape() == Shape{0, 4});
  sum(h).backward();
  check_zero_parameter_grads(gru_cell);
}

TEST_CASE("lstm and gru: a sequence of 0 steps is refused, naming the input, as PyTorch refuses it") {
  // torch: nn.LSTM(3, 4)(torch.zeros(0, 2, 3)) raises "Expected sequence length to be larger than 0".
  LSTM lstm(3, 4);
  CHECK_THROWS_WITH_AS(lstm(zeros({0, 2, 3})), "LSTM: expected a sequence length larger than 0, got input [0, 2, 3]",
                       std::invalid_argument);
  GRU batch_first(GRUOptions(3, 4).batch_first(true));
  CHECK_THROWS_WITH_AS(batch_first(zeros({2, 0, 3})),
                       "GRU: expected a sequence length larger than 0, got input [2, 0, 3]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(batch_first(zeros({0, 3})), "GRU: expected a sequence length larger than 0, got input [0, 3]",
                       std::invalid_argument);
  CHECK_THROWS_AS(lstm_layer(zeros({0, 1, 3}), zeros({1, 2}), zeros({1, 2}), zeros({8, 3}), zeros({8, 2})),
                  std::invalid_argument);
}
