// GRUCell and GRU: PyTorch fixtures (tests/fixtures/rnn.json), gradchecks, saturation, errors, files.
#include "layers/rnn_cases.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;
using Inputs = std::vector<Tensor>;

TEST_CASE("gru cell: h' and all gradients match PyTorch, with and without bias") {
  for (const Json& c : rnn_cases("gru_cell")) {
    CAPTURE(c.at("module").dump());
    auto cell = std::dynamic_pointer_cast<GRUCell>(build_case_module(c));
    REQUIRE(cell);
    load_parameters(*cell, c.at("params"));
    Tensor x = to_tensor(c.at("input"), true), h0 = to_tensor(c.at("h0"), true);
    Tensor h1 = cell->forward(x, h0);
    CHECK_ALL_CLOSE(h1.value(), to_array(c.at("h1")));
    weighted_sum({{h1, to_array(c.at("upstream_h"))}}).backward();
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    CHECK_ALL_CLOSE(h0.grad(), to_array(c.at("grad_h0")));
    check_parameter_grads(*cell, c.at("grads"));
  }
}

TEST_CASE("gru: every h_t, h_n and all gradients match PyTorch (1 and 2 layers, batch_first, h0, no bias)") {
  for (const Json& c : rnn_cases("gru")) check_sequence_case(c);
}

TEST_CASE("gru: gradcheck of a cell and of a 2-layer GRU, one and two directions (batch_first with two)") {
  Generator gen(37);
  GRUCell cell(GRUCellOptions(3, 2), gen);
  Inputs cell_in{randn({2, 3}, gen, true), randn({2, 2}, gen, true)};
  for (Tensor& p : cell.parameters()) cell_in.push_back(p);
  CHECK_GRADCHECK([&](const Inputs& v) { return cell.forward(v[0], v[1]); }, cell_in);

  for (bool bidirectional : {false, true}) {
    CAPTURE(bidirectional);
    GRU gru(GRUOptions(2, 3).num_layers(2).batch_first(bidirectional).bidirectional(bidirectional), gen);
    Shape input = bidirectional ? Shape{2, 3, 2} : Shape{3, 2, 2};  // batch 2, 3 steps
    Inputs in{randn(input, gen, true), randn({bidirectional ? 4u : 2u, 2, 3}, gen, true)};
    for (Tensor& p : gru.parameters()) in.push_back(p);
    CHECK_GRADCHECK(
        [&](const Inputs& v) {
          GRUOutput out = gru.forward(v[0], v[1]);
          return concat({reshape(out.output, {-1}), reshape(out.h_n, {-1})}, 0);
        },
        in);
  }
}

TEST_CASE("gru: without an initial state it starts from zeros, and GRUCell steps give GRU's sequence") {
  Generator gen(5);
  GRU gru(GRUOptions(3, 4).batch_first(true), gen);
  GRUCell cell(GRUCellOptions(3, 4), gen);
  cell.weight_ih.mutable_value() = gru.weight_ih[0].value();
  cell.weight_hh.mutable_value() = gru.weight_hh[0].value();
  cell.bias_ih.mutable_value() = gru.bias_ih[0].value();
  cell.bias_hh.mutable_value() = gru.bias_hh[0].value();
  Tensor x = randn({2, 5, 3}, gen);
  GRUOutput out = gru.forward(x, std::nullopt);
  CHECK(same_bits(out.output.value(), gru.forward(x, zeros({1, 2, 4})).output.value()));
  Tensor h = zeros({2, 4});
  for (std::size_t t = 0; t < 5; ++t) {
    h = cell.forward(reshape(narrow(x, 1, t, 1), {2, 3}), h);
    CHECK_ALL_CLOSE(h.value(), reshape(narrow(out.output, 1, t, 1), {2, 4}).value());
  }
  CHECK_ALL_CLOSE(h.value(), reshape(out.h_n, {2, 4}).value());
  CHECK(same_bits(gru.forward_state(x, std::nullopt).value(), out.h_n.value()));
}

TEST_CASE("gru: saturated gates (pre-activations of ±1000) give finite outputs and gradients") {
  GRU gru(GRUOptions(2, 3));
  for (Tensor& p : gru.parameters()) p.mutable_value().fill(0.0f);
  gru.weight_ih[0].mutable_value() = xt::ones<float>({9, 2}) * 500.0f;  // |pre-activation| = 1000
  Tensor x = tensor({{{1, 1}, {-1, -1}}, {{-1, -1}, {1, 1}}}, true);
  GRUOutput out = gru.forward(x, std::nullopt);
  (sum(out.output) + sum(out.h_n)).backward();
  for (float v : out.output.value()) CHECK(std::isfinite(v));
  for (float v : x.grad()) CHECK(std::isfinite(v));
  for (Tensor& p : gru.parameters())
    for (float v : p.grad()) CHECK(std::isfinite(v));
  // x = (1, 1) at step 0: r = z = 1, n = tanh(1000) = 1, h = (1 − z)·n + z·0 = 0.
  CHECK(out.output.value()(0, 0, 0) == 0.0f);
  // x = (−1, −1) at step 0 for batch 1: z = 0, n = −1, h = −1.
  CHECK(out.output.value()(0, 1, 0) == -1.0f);
}

TEST_CASE("gru: shape and option errors name what was wrong") {
  GRU gru(GRUOptions(8, 4).num_layers(2));
  CHECK_THROWS_WITH_AS(gru(zeros({5, 3, 7})),
                       "GRU: expected input of shape [steps, batch, 8] (batch_first=false) or [steps, 8] "
                       "(unbatched), got [5, 3, 7]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(gru.forward(zeros({5, 3, 8}), zeros({1, 3, 4})),
                       "GRU: expected h0 of shape [2, 3, 4], got [1, 3, 4]", std::invalid_argument);
  GRUCell cell(GRUCellOptions(3, 2));
  CHECK_THROWS_WITH_AS(cell(zeros({4, 2})), "GRUCell: expected input of shape [batch, 3] or [3], got [4, 2]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(cell.forward(zeros({4, 3}), zeros({4, 3})), "GRUCell: expected h of shape [4, 2], got [4, 3]",
                       std::invalid_argument);
  CHECK_THROWS_AS(GRU(GRUOptions(0, 4)), std::invalid_argument);
  CHECK_THROWS_AS(GRU(GRUOptions(4, static_cast<std::size_t>(-3))), std::invalid_argument);
  CHECK_THROWS_WITH_AS(GRU(GRUOptions(4, 3).dropout(1.5)), "GRU: dropout has to be between 0 and 1, but got 1.500000",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(gru_layer(zeros({2, 1, 3}), zeros({1, 2}), zeros({6, 4}), zeros({6, 2})),
                       "gru_layer: expected weight_ih of shape [6, 3], got [6, 4]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(gru_layer(zeros({2, 1, 3}), zeros({1, 2}), zeros({6, 3}), zeros({8, 2})),
                       "gru_layer: expected weight_hh of shape [3H, H], got [8, 2]", std::invalid_argument);
}

TEST_CASE("gru: names, repr and description as PyTorch's") {
  GRU gru(GRUOptions(3, 5).num_layers(2).batch_first(true).bias(false));
  std::vector<std::string> names;
  for (auto& [name, p] : gru.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"});
  CHECK(gru.weight_ih[1].shape() == Shape{15, 5});
  CHECK(gru.repr() == "GRU(3, 5, num_layers=2, bias=False, batch_first=True)");
  CHECK(to_string(describe(gru)) ==
        "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": 5, \"num_layers\": 2, "
        "\"bias\": false, \"batch_first\": true, \"bidirectional\": false, \"dropout\": 0}");
  CHECK(build_module(describe(gru))->repr() == gru.repr());
  CHECK(GRUCell(GRUCellOptions(2, 3)).repr() == "GRUCell(2, 3)");
  // PyTorch's init: every value within ±1/√H.
  for (Tensor& p : GRU(GRUOptions(2, 16)).parameters())
    for (float v : p.value()) CHECK(std::fabs(v) <= 0.25f);
}
