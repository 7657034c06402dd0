// LSTMCell, LSTM and LSTMClassifier: PyTorch fixtures, gradchecks, saturation, errors, learning.
#include "layers/rnn_cases.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;
using Inputs = std::vector<Tensor>;

namespace {
void check_grads(Module& m, const Json& expected) {
  for (auto& [name, p] : m.named_parameters()) {
    CAPTURE_BINDING(name);
    CHECK_ALL_CLOSE(p.grad(), to_array(expected.at(name)), 1e-5, 1e-6);
  }
}
}  // namespace

TEST_CASE("lstm cell: h', c' and all gradients match PyTorch, with and without bias") {
  for (const Json& c : fixture_cases("lstm.json", "cell")) {
    bool bias = c.at("bias");
    CAPTURE(bias);
    LSTMCell cell(c.at("input_size"), c.at("hidden_size"), bias);
    load_parameters(cell, c.at("params"));
    Tensor x = to_tensor(c.at("input"), true), h0 = to_tensor(c.at("h0"), true), c0 = to_tensor(c.at("c0"), true);
    LSTMState s = cell.forward(x, LSTMState{h0, c0});
    CHECK_ALL_CLOSE(s.h.value(), to_array(c.at("h1")));
    CHECK_ALL_CLOSE(s.c.value(), to_array(c.at("c1")));
    weighted_sum({{s.h, to_array(c.at("upstream_h"))}, {s.c, to_array(c.at("upstream_c"))}}).backward();
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    CHECK_ALL_CLOSE(h0.grad(), to_array(c.at("grad_h0")));
    CHECK_ALL_CLOSE(c0.grad(), to_array(c.at("grad_c0")));
    check_grads(cell, c.at("grads"));
  }
}

TEST_CASE("lstm: every h_t, h_n, c_n and all gradients match PyTorch (1 and 2 layers, batch_first)") {
  for (const Json& c : fixture_cases("lstm.json", "lstm")) {
    std::size_t layers = c.at("num_layers");
    bool batch_first = c.at("batch_first");
    CAPTURE(layers);
    CAPTURE(batch_first);
    LSTM lstm(c.at("input_size"), c.at("hidden_size"), layers, true, batch_first);
    load_parameters(lstm, c.at("params"));
    Tensor x = to_tensor(c.at("input"), true);
    std::optional<LSTMState> state;
    if (!c.at("h0").is_null()) state = LSTMState{to_tensor(c.at("h0"), true), to_tensor(c.at("c0"), true)};
    LSTMOutput out = lstm.forward(x, state);
    CHECK_ALL_CLOSE(out.output.value(), to_array(c.at("output")));
    CHECK_ALL_CLOSE(out.state.h.value(), to_array(c.at("h_n")));
    CHECK_ALL_CLOSE(out.state.c.value(), to_array(c.at("c_n")));
    weighted_sum({{out.output, to_array(c.at("upstream_output"))},
                  {out.state.h, to_array(c.at("upstream_h_n"))},
                  {out.state.c, to_array(c.at("upstream_c_n"))}})
        .backward();
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    if (state) {
      CHECK_ALL_CLOSE(state->h.grad(), to_array(c.at("grad_h0")));
      CHECK_ALL_CLOSE(state->c.grad(), to_array(c.at("grad_c0")));
    }
    check_grads(lstm, c.at("grads"));
  }
}

TEST_CASE("lstm classifier: logits, loss and gradients match PyTorch with parameters named lstm.* and fc.*") {
  for (const Json& c : fixture_cases("lstm.json", "classifier")) {
    std::size_t layers = c.at("num_layers");
    CAPTURE(layers);
    LSTMClassifier model(c.at("input_size"), c.at("hidden_size"), layers);
    std::vector<std::string> names;
    for (auto& [name, p] : model.named_parameters()) names.push_back(name);
    std::vector<std::string> expected;
    for (auto& item : c.at("params").items()) expected.push_back(item.key());
    CHECK(names == expected);  // same names, same order as PyTorch's state_dict
    load_parameters(model, c.at("params"));
    Tensor x = to_tensor(c.at("input"), true);
    CHECK_ALL_CLOSE(model.lstm->forward(x).value(), to_array(c.at("hidden_states")));
    Tensor logits = model(x);
    CHECK_ALL_CLOSE(logits.value(), to_array(c.at("logits")));
    Tensor loss = BCEWithLogitsLoss()(logits, to_tensor(c.at("target")));
    CHECK_ALL_CLOSE(loss.value(), to_array(c.at("loss")));
    clear_tape();  // drop the hidden_states graph above; only the loss's is wanted
    model.zero_grad();
    x.zero_grad();
    loss = BCEWithLogitsLoss()(model(x), to_tensor(c.at("target")));
    loss.backward();
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    check_grads(model, c.at("grads"));
  }
}

TEST_CASE(
    "lstm: gradcheck of a cell and of a 2-layer LSTM, one and two directions (inputs, initial state, every "
    "parameter)") {
  Generator gen(31);
  LSTMCell cell(3, 2, true, gen);
  Inputs cell_in{randn({2, 3}, gen, true), randn({2, 2}, gen, true), randn({2, 2}, gen, true)};
  for (Tensor& p : cell.parameters()) cell_in.push_back(p);
  CHECK_GRADCHECK(
      [&](const Inputs& v) {
        LSTMState s = cell.forward(v[0], LSTMState{v[1], v[2]});
        return concat({s.h, s.c}, 1);
      },
      cell_in);

  for (bool bidirectional : {false, true}) {
    CAPTURE(bidirectional);
    LSTM lstm(LSTMOptions(2, 3).num_layers(2).bidirectional(bidirectional), gen);
    const std::size_t states = bidirectional ? 4 : 2;
    Inputs in{randn({3, 2, 2}, gen, true), randn({states, 2, 3}, gen, true), randn({states, 2, 3}, gen, true)};
    for (Tensor& p : lstm.parameters()) in.push_back(p);
    CHECK_GRADCHECK(
        [&](const Inputs& v) {
          LSTMOutput out = lstm.forward(v[0], LSTMState{v[1], v[2]});
          return concat({reshape(out.output, {-1}), reshape(out.state.h, {-1}), reshape(out.state.c, {-1})}, 0);
        },
        in);
  }
}

TEST_CASE("lstm: saturated gates (pre-activations of ±1000) give finite outputs and gradients") {
  LSTM lstm(2, 3, 1);
  for (Tensor& p : lstm.parameters()) p.mutable_value().fill(0.0f);
  lstm.weight_ih[0].mutable_value() = xt::ones<float>({12, 2}) * 500.0f;  // |pre-activation| = 1000
  Tensor x = tensor({{{1, 1}, {-1, -1}}, {{-1, -1}, {1, 1}}}, true);
  LSTMOutput out = lstm.forward(x, std::nullopt);
  Tensor loss = sum(out.output) + sum(out.state.c);
  loss.backward();
  for (float v : out.output.value()) CHECK(std::isfinite(v));
  for (float v : out.state.c.value()) CHECK(std::isfinite(v));
  for (float v : x.grad()) CHECK(std::isfinite(v));
  for (Tensor& p : lstm.parameters())
    for (float v : p.grad()) CHECK(std::isfinite(v));
  CHECK(out.output.value()(0, 0, 0) == doctest::Approx(std::tanh(1.0)));  // i = f = o = 1, g = 1: c = 1
}

TEST_CASE("lstm: shape errors name the expected and the given shapes") {
  LSTM lstm(8, 4, 2);
  CHECK_THROWS_WITH_AS(lstm(zeros({5, 3, 7})),
                       "LSTM: expected input of shape [steps, batch, 8] (batch_first=false) or [steps, 8] "
                       "(unbatched), got [5, 3, 7]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({5, 3, 8}), LSTMState{zeros({1, 3, 4}), zeros({2, 3, 4})}),
                       "LSTM: expected h0 and c0 of shape [2, 3, 4], got [1, 3, 4] and [2, 3, 4]",
                       std::invalid_argument);
  LSTMCell cell(3, 2);
  CHECK_THROWS_AS(cell(zeros({4, 2})), std::invalid_argument);
  CHECK_THROWS_AS(cell.forward(zeros({4, 3}), LSTMState{zeros({4, 3}), zeros({4, 2})}), std::invalid_argument);
  CHECK_THROWS_AS(LSTM(0, 4), std::invalid_argument);
  CHECK_THROWS_AS(LSTM(4, static_cast<std::size_t>(-3)), std::invalid_argument);
  CHECK_THROWS_AS(lstm_layer(zeros({2, 1, 3}), zeros({1, 2}), zeros({1, 2}), zeros({8, 4}), zeros({8, 2})),
                  std::invalid_argument);
}
