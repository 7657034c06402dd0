// LSTM and GRU on one unbatched sequence [T, I], as PyTorch 1.13 takes it: states [L·D, H],
// outputs without the batch dim, whatever batch_first says; and the errors for mismatched ranks.
#include "layers/rnn_cases.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

// Element k of a tensor: ((a·k + b) mod m − off) / div, computed in double and rounded to float
// as torch.tensor([...], dtype=torch.float32) does.
Array unbatched_pattern(const Shape& shape, int a, int b, int m, int off, double div) {
  Array out = Array::from_shape(shape);
  long long k = 0;
  for (float& v : out) v = static_cast<float>(static_cast<double>((a * k++ + b) % m - off) / div);
  return out;
}

// Parameter j (in named_parameters() order), element k: ((7k + 3j) mod 13 − 6) / 10.
void fill_unbatched_weights(Module& module) {
  int j = 0;
  for (auto& [name, p] : module.named_parameters()) {
    long long k = 0;
    for (float& v : p.mutable_value()) v = static_cast<float>(static_cast<double>((7 * k++ + 3 * j) % 13 - 6) / 10.0);
    ++j;
  }
}

Array unbatched_values(const Shape& shape, const std::vector<float>& values) {
  Array out = Array::from_shape(shape);
  REQUIRE(out.size() == values.size());
  std::copy(values.begin(), values.end(), out.begin());
  return out;
}

struct UnbatchedCase {
  bool lstm, with_state;
  RecurrentOptions options;
  std::vector<float> output, h_n, c_n, grad_input, grad_h0, grad_c0;
};

// The torch side, in /usr/bin/python3 (torch 1.13), with pattern(shape, a, b, m, off, div) and the
// weights filled as above:
//   x = pattern((4, 3), 5, 1, 11, 5, 8); h0 = pattern((L*D, 2), 3, 2, 7, 3, 4);
//   c0 = pattern((L*D, 2), 5, 3, 9, 4, 5); out, (h_n, c_n) = rnn(x, (h0, c0))  [GRU: rnn(x, h0)]
//   ((out * pattern(out.shape, 3, 0, 7, 3, 4)).sum() + (h_n * pattern(h_n.shape, 2, 1, 5, 2, 3)).sum()
//    + (c_n * pattern(c_n.shape, 4, 2, 7, 3, 2)).sum()).backward()
// and the same numbers came out with batch_first=True.
void check_unbatched_case(const UnbatchedCase& c) {
  const std::size_t hidden = c.options.hidden_size(), directions = c.options.bidirectional() ? 2 : 1;
  const std::size_t rows = c.options.num_layers() * directions, steps = 4;
  for (bool batch_first : {false, true}) {
    CAPTURE(batch_first);
    RecurrentOptions options = c.options;
    options.batch_first(batch_first);
    Tensor x(unbatched_pattern({steps, c.options.input_size()}, 5, 1, 11, 5, 8), true);
    std::optional<Tensor> h0, c0;
    if (c.with_state) h0 = Tensor(unbatched_pattern({rows, hidden}, 3, 2, 7, 3, 4), true);
    if (c.with_state && c.lstm) c0 = Tensor(unbatched_pattern({rows, hidden}, 5, 3, 9, 4, 5), true);
    Tensor output, h_n;
    std::vector<std::pair<Tensor, Array>> terms;
    if (c.lstm) {
      LSTM lstm(options);
      fill_unbatched_weights(lstm);
      LSTMOutput out = lstm.forward(x, h0 ? std::optional<LSTMState>(LSTMState{*h0, *c0}) : std::nullopt);
      output = out.output, h_n = out.state.h;
      CHECK_ALL_CLOSE(out.state.c.value(), unbatched_values({rows, hidden}, c.c_n));
      terms.emplace_back(out.state.c, unbatched_pattern({rows, hidden}, 4, 2, 7, 3, 2));
    } else {
      GRU gru(options);
      fill_unbatched_weights(gru);
      GRUOutput out = gru.forward(x, h0);
      output = out.output, h_n = out.h_n;
    }
    CHECK_ALL_CLOSE(output.value(), unbatched_values({steps, directions * hidden}, c.output));
    CHECK_ALL_CLOSE(h_n.value(), unbatched_values({rows, hidden}, c.h_n));
    terms.emplace_back(output, unbatched_pattern(output.shape(), 3, 0, 7, 3, 4));
    terms.emplace_back(h_n, unbatched_pattern(h_n.shape(), 2, 1, 5, 2, 3));
    weighted_sum(terms).backward();
    CHECK_ALL_CLOSE(x.grad(), unbatched_values(x.shape(), c.grad_input));
    if (h0) CHECK_ALL_CLOSE(h0->grad(), unbatched_values({rows, hidden}, c.grad_h0));
    if (c0) CHECK_ALL_CLOSE(c0->grad(), unbatched_values({rows, hidden}, c.grad_c0));
  }
}

}  // namespace

TEST_CASE("lstm: an unbatched [T, I] sequence with [L·D, H] states gives PyTorch's outputs and gradients") {
  // nn.LSTM(3, 2, num_layers=2, bidirectional=True), with h0 and c0.
  check_unbatched_case({true,
                        true,
                        LSTMOptions(3, 2).num_layers(2).bidirectional(true),
                        {0.218347326f, -0.155075252f, 0.0690920055f, 0.0703002736f, 0.206834555f, -0.163998812f,
                         0.0677370802f, 0.0684479028f, 0.209166244f, -0.152985752f, 0.0443749614f, 0.0422175303f,
                         0.189030021f, -0.153674588f, 0.0488717817f, -0.0404789932f},
                        {0.368408203f, -0.0300634727f, 0.365298986f, -0.020629419f, 0.189030021f, -0.153674588f,
                         0.0690920055f, 0.0703002736f},
                        {0.636886477f, -0.0573570579f, 0.677002668f, -0.041950658f, 0.277139664f, -0.42773965f,
                         0.11541035f, 0.214175999f},
                        {0.414562821f, 0.0531727448f, 0.371525377f, 0.0154921059f, 0.0510425605f, 0.0419827253f,
                         0.0201028492f, 0.0481278785f, 0.00293606613f, -0.17001906f, 0.228342652f, -0.189896986f},
                        {0.010690961f, 0.0285671148f, 0.00253290986f, 0.013546681f, 0.0203279089f, -0.0565137938f,
                         0.0396639928f, -0.0872662216f},
                        {-0.227869391f, 0.0641207397f, -0.0669241622f, 0.0111716781f, -0.165026933f, -0.0277605243f,
                         -0.141657621f, -0.00635432033f}});
}

TEST_CASE("gru: an unbatched [T, I] sequence with and without h0 gives PyTorch's outputs and gradients") {
  SUBCASE("nn.GRU(3, 2, num_layers=2), with h0") {
    check_unbatched_case(
        {false,
         true,
         GRUOptions(3, 2).num_layers(2),
         {-0.213950008f, -0.287004232f, 0.034606427f, -0.476445377f, 0.127432078f, -0.603555322f, 0.250089586f,
          -0.522147655f},
         {0.310009897f, -0.0803092867f, 0.250089586f, -0.522147655f},
         {},
         {0.0282117128f, -0.0136517715f, 0.022309754f, -0.00735071767f, 0.00950834155f, -0.00644510472f,
          -0.000270558055f, 0.0261455439f, -0.00368404575f, -0.0103177819f, 0.0466581807f, -0.0146689853f},
         {-0.00141690718f, -0.000501368195f, -0.189525232f, -0.00883224607f},
         {}});
  }
  SUBCASE("nn.GRU(3, 2, bidirectional=True), zero initial state") {
    check_unbatched_case({false,
                          false,
                          GRUOptions(3, 2).bidirectional(true),
                          {0.121082038f, 0.080915004f, 0.418639153f, 0.0559354201f, 0.113658004f, -0.150192827f,
                           0.380509645f, -0.369104385f, 0.329712659f, -0.437055588f, 0.143706113f, -0.531091928f,
                           0.370954514f, -0.0765048563f, 0.157220066f, -0.0766923428f},
                          {0.370954514f, -0.0765048563f, 0.418639153f, 0.0559354201f},
                          {},
                          {0.139830887f, 0.0925523788f, 0.104181439f, 0.364403307f, -0.0779260844f, 0.302891463f,
                           -0.0995012447f, 0.126215994f, -0.0537129678f, -0.331846595f, 0.157812074f, -0.295329452f},
                          {},
                          {}});
  }
}

TEST_CASE("lstm and gru: states whose rank does not match the input's are refused, as PyTorch refuses them") {
  // torch: "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors", and
  // "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 2-D) tensors".
  LSTM lstm(3, 2);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({4, 3}), LSTMState{zeros({1, 1, 2}), zeros({1, 1, 2})}),
                       "LSTM: expected h0 and c0 of shape [1, 2] for unbatched input [4, 3], got [1, 1, 2] and "
                       "[1, 1, 2]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({4, 1, 3}), LSTMState{zeros({1, 2}), zeros({1, 2})}),
                       "LSTM: expected h0 and c0 of shape [1, 1, 2], got [1, 2] and [1, 2]", std::invalid_argument);
  GRU gru(GRUOptions(3, 2).batch_first(true));
  CHECK_THROWS_WITH_AS(gru.forward(zeros({4, 3}), zeros({1, 1, 2})),
                       "GRU: expected h0 of shape [1, 2] for unbatched input [4, 3], got [1, 1, 2]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(gru.forward(zeros({4, 3}), zeros({2, 2})),
                       "GRU: expected h0 of shape [1, 2] for unbatched input [4, 3], got [2, 2]",
                       std::invalid_argument);
  // Inputs of other ranks (torch: "input must have 3 dimensions, got 4"); an empty sequence is
  // test_rnn_batch_zero.cpp's.
  for (const Shape& shape : {Shape{3}, Shape{2, 4, 1, 3}}) {
    CAPTURE(shape_str(shape));
    CHECK_THROWS_WITH_AS(gru(zeros(shape)),
                         ("GRU: expected input of shape [batch, steps, 3] (batch_first=true) or [steps, 3] "
                          "(unbatched), got " +
                          shape_str(shape))
                             .c_str(),
                         std::invalid_argument);
  }
  // A classifier's rows are its batch: it does not take the LSTM's unbatched form.
  LSTMClassifier classifier(3, 2);
  CHECK_THROWS_WITH_AS(classifier(zeros({4, 3})),
                       "LSTMClassifier: expected input of shape [batch, steps, 3], got [4, 3]", std::invalid_argument);
}

TEST_CASE("LSTMCell, GRUCell: one unbatched step [I] with states [H], as PyTorch 1.13") {
  // Expected: torch 1.13, parameters filled as fill_unbatched_weights does, x = [0.5, -1, 0.25],
  // h = [0.1, -0.2], c = [0.3, 0.05]: h1, c1 = nn.LSTMCell(3, 2)(x, (h, c)), backward of
  // h1.sum() + 2·c1.sum(); h2 = nn.GRUCell(3, 2)(x, h), backward of h2.sum(); and GRUCell(x).
  Tensor x = tensor({0.5f, -1.0f, 0.25f}, true), h = tensor({0.1f, -0.2f}, true), c = tensor({0.3f, 0.05f}, true);
  LSTMCell lstm(3, 2);
  fill_unbatched_weights(lstm);
  LSTMState s = lstm.forward(x, LSTMState{h, c});
  CHECK(s.h.shape() == Shape{2});
  CHECK_ALL_CLOSE(s.h.value(), Array{0.383830905f, -0.0777930021f});
  CHECK_ALL_CLOSE(s.c.value(), Array{0.505097926f, -0.264921904f});
  (sum(s.h) + sum(s.c) * 2.0f).backward();
  CHECK_ALL_CLOSE(x.grad(), Array{-0.639543533f, 0.192158148f, -0.535830081f});
  CHECK_ALL_CLOSE(h.grad(), Array{-0.00985029712f, -0.153540775f});
  CHECK_ALL_CLOSE(c.grad(), Array{1.17088223f, 1.09458864f});

  x.zero_grad();
  h.zero_grad();
  GRUCell gru(GRUCellOptions(3, 2));
  fill_unbatched_weights(gru);
  Tensor h2 = gru.forward(x, h);
  CHECK(h2.shape() == Shape{2});
  CHECK_ALL_CLOSE(h2.value(), Array{0.486156583f, -0.480681449f});
  sum(h2).backward();
  CHECK_ALL_CLOSE(x.grad(), Array{-0.0174539462f, -0.155821368f, 0.0262153596f});
  CHECK_ALL_CLOSE(h.grad(), Array{0.477660596f, 0.22895354f});
  CHECK_ALL_CLOSE(gru(x).value(), Array{0.409816921f, -0.416879088f});

  // PyTorch refuses a batched state with an unbatched input.
  CHECK_THROWS_WITH_AS(gru.forward(x, zeros({1, 2})),
                       "GRUCell: expected h of shape [2] for an unbatched input, got [1, 2]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(lstm(zeros({2, 2, 3})), "LSTMCell: expected input of shape [batch, 3] or [3], got [2, 2, 3]",
                       std::invalid_argument);
}
