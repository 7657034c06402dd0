// What the fused LSTM and GRU layers' backward reads (BackwardReads), held to what PyTorch 1.13
// saves for aten::lstm and aten::gru: the rows' torch columns are printed by
// tests/core/backward_reads_torch.py; the checks are support/backward_reads.hpp's. 'x' marks where
// the layer reads a value torch does not: the hidden states, which it takes from its own output
// instead of storing each step's h twice, and (GRU) h0 when no weight needs a gradient.
#include "support/backward_reads.hpp"

using namespace xtgrad;
using xtgrad::testing::ReadsCase;
using xtgrad::testing::ReadsOp;

namespace {

std::vector<ReadsCase> recurrent_reads_cases() {
  Generator gen(41);
  auto any = [&gen](const Shape& shape) { return rand(shape, gen, -1.0f, 1.0f).value(); };
  using In = const std::vector<Tensor>&;
  const std::size_t T = 3, B = 2, I = 4, H = 5;
  // The sequence output only; h_n and c_n are dropped, as in the script.
  ReadsOp lstm_op = [](In in) { return lstm_layer(in[0], in[1], in[2], in[3], in[4], in[5], in[6]).output; };
  ReadsOp lstm_nobias_op = [](In in) { return lstm_layer(in[0], in[1], in[2], in[3], in[4]).output; };
  ReadsOp gru_op = [](In in) { return gru_layer(in[0], in[1], in[2], in[3], in[4], in[5]).output; };
  auto lstm_args = [&] {
    return std::vector<Array>{any({T, B, I}),  any({B, H}),  any({B, H}), any({4 * H, I}),
                              any({4 * H, H}), any({4 * H}), any({4 * H})};
  };
  auto gru_args = [&] {
    return std::vector<Array>{any({T, B, I}),  any({B, H}),  any({3 * H, I}),
                              any({3 * H, H}), any({3 * H}), any({3 * H})};
  };
  return {
      {"lstm_layer", "TTTTTTT", "XXXXX..x", lstm_op, lstm_args()},
      {"lstm_layer", "TffTTTT", "XXXXX..x", lstm_op, lstm_args()},
      {"lstm_layer", "fffTTTT", "XXX.X..x", lstm_op, lstm_args()},
      {"lstm_layer", "Tffffff", "..XXX...", lstm_op, lstm_args()},
      {"lstm_layer", "fTTffff", "..X.X...", lstm_op, lstm_args()},
      {"lstm_layer_nobias",
       "TTTTT",
       "XXXXXx",
       lstm_nobias_op,
       {any({T, B, I}), any({B, H}), any({B, H}), any({4 * H, I}), any({4 * H, H})}},
      {"gru_layer", "TTTTTT", "XXXX..x", gru_op, gru_args()},
      {"gru_layer", "TffTTT", ".XXX..x", gru_op, gru_args()},
      {"gru_layer", "ffTTTT", "XX.X..x", gru_op, gru_args()},
      {"gru_layer", "Tfffff", ".xXX..x", gru_op, gru_args()},
      {"gru_layer", "fTffff", ".x.X..x", gru_op, gru_args()},
  };
}

}  // namespace

TEST_CASE("backward reads, recurrent layers: a value the backward does not read is freed with its last handle") {
  testing::check_unread_values_freed(recurrent_reads_cases());
}

TEST_CASE("backward reads, recurrent layers: gradients with every unread value freed match finite differences") {
  testing::check_gradients_with_unread_freed(recurrent_reads_cases());
}

TEST_CASE("backward reads, recurrent layers: an in-place change before backward() is refused where torch refuses it") {
  testing::check_in_place_refused_as_torch(recurrent_reads_cases());
}
