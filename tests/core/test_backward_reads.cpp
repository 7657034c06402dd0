// What each core op's backward reads (BackwardReads), held to what PyTorch 1.13 saves for it: the
// rows' torch columns are printed by backward_reads_torch.py (beside this file); the checks are
// support/backward_reads.hpp's.
#include "support/backward_reads.hpp"

using namespace xtgrad;
using xtgrad::testing::ReadsCase;
using xtgrad::testing::ReadsOp;

namespace {

// Every row of backward_reads_torch.py, with the same arguments (values away from kinks and ties).
std::vector<ReadsCase> reads_cases() {
  Generator gen(31);
  auto any = [&gen](const Shape& shape) { return rand(shape, gen, -2.0f, 2.0f).value(); };
  auto positive = [&gen](const Shape& shape) { return rand(shape, gen, 0.5f, 1.5f).value(); };
  using In = const std::vector<Tensor>&;
  ReadsOp mul_op = [](In in) { return in[0] * in[1]; }, div_op = [](In in) { return in[0] / in[1]; };
  ReadsOp clamp_op = [](In in) { return clamp(in[0], in[1], in[2]); };
  ReadsOp matmul_op = [](In in) { return matmul(in[0], in[1]); };
  ReadsOp linear_op = [](In in) { return linear(in[0], in[1], in[2]); };
  ReadsOp linear_nobias_op = [](In in) { return linear(in[0], in[1]); };
  ReadsOp maximum_op = [](In in) { return maximum(in[0], in[1]); };
  ReadsOp reshape_op = [](In in) { return reshape(in[0], {3, 2}); };
  ReadsOp concat_op = [](In in) { return concat({in[0], in[1]}, 0); };
  ReadsOp stack_op = [](In in) { return stack({in[0], in[1]}, 1); };
  ReadsOp permute_op = [](In in) { return permute(in[0], {1, 0}); };
  ReadsOp expand_op = [](In in) { return expand(in[0], {2, 3}); };
  ReadsOp dropout_op = [](In in) {
    Generator mask(5);  // the same mask at every call, for the finite differences
    return dropout(in[0], 0.5f, true, mask);
  };
  ReadsOp layer_norm_op = [](In in) { return layer_norm(in[0], {3}, in[1], in[2]); };
  // Running statistics made afresh at every call, so the finite differences see the same op.
  ReadsOp batch_norm_op = [](In in) { return batch_norm(in[0], zeros({3}), ones({3}), in[1], in[2], true); };
  ReadsOp batch_norm_plain_op = [](In in) {
    return batch_norm(in[0], std::nullopt, std::nullopt, std::nullopt, std::nullopt, true);
  };
  ReadsOp batch_norm_eval_op = [](In in) {
    return batch_norm(in[0], zeros({3}), full({3}, 2.0f), in[1], in[2], false);
  };
  Array low = full({3}, -0.5f).value(), high = full({3}, 0.5f).value();
  return {
      {"add", "TT", "...", [](In in) { return in[0] + in[1]; }, {any({2, 3}), any({3})}},
      {"sub", "TT", "...", [](In in) { return in[0] - in[1]; }, {any({2, 3}), any({3})}},
      {"mul", "TT", "XX.", mul_op, {any({2, 3}), any({3})}},
      {"mul", "Tf", ".X.", mul_op, {any({2, 3}), any({3})}},
      {"mul", "fT", "X..", mul_op, {any({2, 3}), any({3})}},
      {"div", "TT", "XX.", div_op, {any({2, 3}), positive({3})}},
      {"div", "Tf", ".X.", div_op, {any({2, 3}), positive({3})}},
      {"div", "fT", "XX.", div_op, {any({2, 3}), positive({3})}},
      {"add_scalar", "T", "..", [](In in) { return in[0] + 2.5f; }, {any({3})}},
      {"rsub_scalar", "T", "..", [](In in) { return 2.5f - in[0]; }, {any({3})}},
      {"mul_scalar", "T", "..", [](In in) { return in[0] * 2.5f; }, {any({3})}},
      {"div_scalar", "T", "..", [](In in) { return in[0] / 2.5f; }, {any({3})}},
      {"rdiv_scalar", "T", "..", [](In in) { return 2.5f / in[0]; }, {positive({3})}},
      {"neg", "T", "..", [](In in) { return -in[0]; }, {any({3})}},
      {"exp", "T", ".X", [](In in) { return exp(in[0]); }, {any({3})}},
      {"log", "T", "X.", [](In in) { return log(in[0]); }, {positive({3})}},
      {"sqrt", "T", ".X", [](In in) { return sqrt(in[0]); }, {positive({3})}},
      {"pow", "T", "X.", [](In in) { return pow(in[0], 3.0f); }, {any({3})}},
      {"abs", "T", "X.", [](In in) { return abs(in[0]); }, {any({3})}},
      {"clamp", "T", "X.", [](In in) { return clamp(in[0], -0.5f, 0.5f); }, {any({3})}},
      {"clamp_tensor", "TTT", "XXX.", clamp_op, {any({3}), low, high}},
      {"clamp_tensor", "fTf", "XXX.", clamp_op, {any({3}), low, high}},
      {"maximum", "TT", "XX.", maximum_op, {any({3}), any({3})}},
      {"maximum", "Tf", "XX.", maximum_op, {any({3}), any({3})}},
      {"minimum", "TT", "XX.", [](In in) { return minimum(in[0], in[1]); }, {any({3}), any({3})}},
      {"where", "fTT", "X...", [](In in) { return where(in[0], in[1], in[2]); }, {Array{1, 0, 1}, any({3}), any({3})}},
      {"sigmoid", "T", ".X", [](In in) { return sigmoid(in[0]); }, {any({3})}},
      {"tanh", "T", ".X", [](In in) { return tanh(in[0]); }, {any({3})}},
      {"relu", "T", ".X", [](In in) { return relu(in[0]); }, {any({3})}},
      {"softplus", "T", "X.", [](In in) { return softplus(in[0]); }, {any({3})}},
      {"softplus_beta", "T", "X.", [](In in) { return softplus(in[0], 2.0f, 10.0f); }, {any({3})}},
      {"log_sigmoid", "T", "X.", [](In in) { return log_sigmoid(in[0]); }, {any({3})}},
      {"leaky_relu", "T", "X.", [](In in) { return leaky_relu(in[0], 0.1f); }, {any({3})}},
      {"elu", "T", "X.", [](In in) { return elu(in[0]); }, {any({3})}},
      {"gelu", "T", "X.", [](In in) { return gelu(in[0]); }, {any({3})}},
      {"gelu_tanh", "T", "X.", [](In in) { return gelu(in[0], GeluApproximation::Tanh); }, {any({3})}},
      {"silu", "T", "X.", [](In in) { return silu(in[0]); }, {any({3})}},
      {"hardtanh", "T", "X.", [](In in) { return hardtanh(in[0]); }, {any({3})}},
      {"sum", "T", "..", [](In in) { return sum(in[0]); }, {any({2, 3})}},
      {"mean", "T", "..", [](In in) { return mean(in[0]); }, {any({2, 3})}},
      {"sum_dim", "T", "..", [](In in) { return sum(in[0], 1); }, {any({2, 3})}},
      {"mean_dim", "T", "X.", [](In in) { return mean(in[0], 1); }, {any({2, 3})}},
      {"sum_dims",
       "T",
       "..",
       [](In in) {
         return sum(in[0], std::vector<std::int64_t>{0, 1});
       },
       {any({2, 3})}},
      {"mean_dims",
       "T",
       "X.",
       [](In in) {
         return mean(in[0], std::vector<std::int64_t>{0, 1}, true);
       },
       {any({2, 3})}},
      {"max_dim", "T", "..", [](In in) { return max(in[0], 1); }, {any({2, 3})}},
      {"min_dim", "T", "..", [](In in) { return min(in[0], 0); }, {any({2, 3})}},
      {"var", "T", "X.", [](In in) { return var(in[0], {1}, 1.0); }, {any({2, 3})}},
      {"std", "T", "XX", [](In in) { return xtgrad::std(in[0], {1}, 1.0); }, {any({2, 3})}},
      {"softmax", "T", ".X", [](In in) { return softmax(in[0], 1); }, {any({2, 3})}},
      {"log_softmax", "T", ".X", [](In in) { return log_softmax(in[0], 1); }, {any({2, 3})}},
      {"logsumexp", "T", "XX", [](In in) { return logsumexp(in[0], 1); }, {any({2, 3})}},
      {"matmul", "TT", "XX.", matmul_op, {any({2, 3}), any({3, 4})}},
      {"matmul", "Tf", ".X.", matmul_op, {any({2, 3}), any({3, 4})}},
      {"matmul", "fT", "X..", matmul_op, {any({2, 3}), any({3, 4})}},
      {"matmul_vec", "TT", "XX.", matmul_op, {any({3}), any({3})}},
      {"matmul_batch", "TT", "XX.", matmul_op, {any({2, 2, 3}), any({3, 4})}},
      {"matmul_batch", "Tf", ".X.", matmul_op, {any({2, 2, 3}), any({3, 4})}},
      {"matmul_batch", "fT", "X..", matmul_op, {any({2, 2, 3}), any({3, 4})}},
      {"matmul_bmm", "TT", "XX.", matmul_op, {any({2, 2, 3}), any({2, 3, 4})}},
      {"linear", "TTT", "XX..", linear_op, {any({2, 3}), any({4, 3}), any({4})}},
      {"linear", "fTT", "X...", linear_op, {any({2, 3}), any({4, 3}), any({4})}},
      {"linear", "TfT", ".X..", linear_op, {any({2, 3}), any({4, 3}), any({4})}},
      {"linear_nobias", "TT", "XX.", linear_nobias_op, {any({2, 3}), any({4, 3})}},
      {"linear_nobias", "fT", "X..", linear_nobias_op, {any({2, 3}), any({4, 3})}},
      {"transpose", "T", "..", [](In in) { return transpose(in[0], 0, 1); }, {any({2, 3})}},
      {"reshape", "T", "..", reshape_op, {any({2, 3})}},
      {"narrow", "T", "..", [](In in) { return narrow(in[0], 1, 1, 2); }, {any({2, 3})}},
      {"concat", "TT", "...", concat_op, {any({2, 3}), any({1, 3})}},
      {"stack", "TT", "...", stack_op, {any({2, 3}), any({2, 3})}},
      {"unsqueeze", "T", "..", [](In in) { return unsqueeze(in[0], 0); }, {any({2, 3})}},
      {"squeeze", "T", "..", [](In in) { return squeeze(in[0]); }, {any({1, 3})}},
      {"flatten", "T", "..", [](In in) { return flatten(in[0]); }, {any({2, 3})}},
      {"permute", "T", "..", permute_op, {any({2, 3})}},
      {"expand", "T", "..", expand_op, {any({1, 3})}},
      {"index_select", "Tf", ".X.", [](In in) { return index_select(in[0], 0, in[1]); }, {any({2, 3}), Array{1, 0, 1}}},
      {"gather", "Tf", "XX.", [](In in) { return gather(in[0], 1, in[1]); }, {any({2, 3}), Array{{0, 2}, {1, 1}}}},
      {"embedding", "fT", "XX.", [](In in) { return embedding(in[0], in[1]); }, {Array{1, 0, 1}, any({2, 3})}},
      {"clone", "T", "..", [](In in) { return in[0].clone(); }, {any({3})}},
      {"dropout", "T", "..", dropout_op, {any({100})}},
      {"layer_norm", "TTT", "XXX.", layer_norm_op, {any({2, 3}), any({3}), any({3})}},
      {"layer_norm", "Tff", "XXX.", layer_norm_op, {any({2, 3}), any({3}), any({3})}},
      {"layer_norm", "fTf", "XXX.", layer_norm_op, {any({2, 3}), any({3}), any({3})}},
      {"layer_norm", "ffT", "XXX.", layer_norm_op, {any({2, 3}), any({3}), any({3})}},
      {"layer_norm_plain", "T", "X.", [](In in) { return layer_norm(in[0], {3}); }, {any({2, 3})}},
      {"batch_norm", "TTT", "XX..", batch_norm_op, {any({4, 3}), any({3}), any({3})}},
      {"batch_norm", "Tff", "XX..", batch_norm_op, {any({4, 3}), any({3}), any({3})}},
      {"batch_norm", "fTf", "XX..", batch_norm_op, {any({4, 3}), any({3}), any({3})}},
      {"batch_norm", "ffT", "XX..", batch_norm_op, {any({4, 3}), any({3}), any({3})}},
      {"batch_norm_plain", "T", "X.", batch_norm_plain_op, {any({4, 3})}},
      {"batch_norm_eval", "TTT", "XX..", batch_norm_eval_op, {any({4, 3}), any({3}), any({3})}},
      {"batch_norm_eval", "Tff", "XX..", batch_norm_eval_op, {any({4, 3}), any({3}), any({3})}},
      {"batch_norm_eval", "fTf", "XX..", batch_norm_eval_op, {any({4, 3}), any({3}), any({3})}},
  };
}

}  // namespace

TEST_CASE("backward reads: a value the op's backward does not read is freed with its last handle") {
  testing::check_unread_values_freed(reads_cases());
}

TEST_CASE("backward reads: gradients with every unread value freed match finite differences") {
  testing::check_gradients_with_unread_freed(reads_cases());
}

TEST_CASE("backward reads: an in-place change before backward() is refused exactly where torch refuses it") {
  // e.g. the mul rows, from backward_reads_torch.py:
  //   a = torch.randn(2, 3, requires_grad=True); b = torch.randn(3); y = a * b
  //   with torch.no_grad(): a.copy_(a.clone())   # a is read only for b's gradient: allowed
  //   (y * 1.0).sum().backward()
  // while b.copy_(...) there raises "... modified by an inplace operation".
  testing::check_in_place_refused_as_torch(reads_cases());
}
