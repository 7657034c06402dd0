// What each loss's backward reads (BackwardReads), held to what PyTorch 1.13 saves for it: the rows'
// torch columns are printed by tests/core/backward_reads_torch.py; the checks are
// support/backward_reads.hpp's.
#include "support/backward_reads.hpp"

using namespace xtgrad;
using xtgrad::testing::ReadsCase;
using xtgrad::testing::ReadsOp;

namespace {

// The losses' rows of tests/core/backward_reads_torch.py, with the same arguments.
std::vector<ReadsCase> loss_reads_cases() {
  Generator gen(37);
  auto any = [&gen](const Shape& shape) { return rand(shape, gen, -2.0f, 2.0f).value(); };
  auto positive = [&gen](const Shape& shape) { return rand(shape, gen, 0.5f, 1.5f).value(); };
  auto probability = [&gen](const Shape& shape) { return rand(shape, gen, 0.1f, 0.9f).value(); };
  using In = const std::vector<Tensor>&;
  const Array classes{1, 0, 3};
  ReadsOp cross_entropy_op = [](In in) { return cross_entropy(in[0], in[1]); };
  ReadsOp mse_op = [](In in) { return mse_loss(in[0], in[1]); };
  ReadsOp l1_op = [](In in) { return l1_loss(in[0], in[1]); };
  ReadsOp smooth_l1_op = [](In in) { return smooth_l1_loss(in[0], in[1]); };
  ReadsOp huber_op = [](In in) { return huber_loss(in[0], in[1]); };
  auto with = [](Reduction reduction, std::optional<Tensor> weight, double label_smoothing = 0.0) {
    ClassLossOptions o;
    o.reduction = reduction;
    o.weight = std::move(weight);
    o.label_smoothing = label_smoothing;
    return o;
  };
  Array probabilities = softmax(Tensor(probability({3, 4})), 1).value();
  return {
      {"cross_entropy", "Tf", ".X.", cross_entropy_op, {any({3, 4}), classes}},
      {"cross_entropy_none",
       "Tf",
       ".X.",
       [&with](In in) { return cross_entropy(in[0], in[1], with(Reduction::None, std::nullopt)); },
       {any({3, 4}), classes}},
      {"cross_entropy_w",
       "Tff",
       ".XX.",
       [&with](In in) { return cross_entropy(in[0], in[1], with(Reduction::Mean, in[2])); },
       {any({3, 4}), classes, positive({4})}},
      {"cross_entropy_ls",
       "Tf",
       ".X.",
       [&with](In in) { return cross_entropy(in[0], in[1], with(Reduction::Mean, std::nullopt, 0.1)); },
       {any({3, 4}), classes}},
      {"cross_entropy_prob", "Tf", ".X.", cross_entropy_op, {any({3, 4}), probabilities}},
      {"cross_entropy_2d", "Tf", ".X.", cross_entropy_op, {any({2, 3, 2}), Array{{0, 2}, {1, 1}}}},
      {"nll_loss", "Tf", "XX.", [](In in) { return nll_loss(in[0], in[1]); }, {any({3, 4}), classes}},
      {"nll_loss_w",
       "Tff",
       "XXX.",
       [&with](In in) { return nll_loss(in[0], in[1], with(Reduction::Mean, in[2])); },
       {any({3, 4}), classes, positive({4})}},
      {"mse_loss", "TT", "XX.", mse_op, {any({2, 3}), any({2, 3})}},
      {"mse_loss", "Tf", "XX.", mse_op, {any({2, 3}), any({2, 3})}},
      {"mse_loss", "fT", "XX.", mse_op, {any({2, 3}), any({2, 3})}},
      {"mse_loss_none",
       "TT",
       "XX.",
       [](In in) { return mse_loss(in[0], in[1], Reduction::None); },
       {any({2, 3}), any({2, 3})}},
      {"l1_loss", "TT", "...", l1_op, {any({2, 3}), any({2, 3})}},
      {"l1_loss", "Tf", "...", l1_op, {any({2, 3}), any({2, 3})}},
      {"l1_loss", "fT", "...", l1_op, {any({2, 3}), any({2, 3})}},
      {"smooth_l1_loss", "TT", "XX.", smooth_l1_op, {any({2, 3}), any({2, 3})}},
      {"smooth_l1_loss", "Tf", "XX.", smooth_l1_op, {any({2, 3}), any({2, 3})}},
      {"smooth_l1_loss", "fT", "XX.", smooth_l1_op, {any({2, 3}), any({2, 3})}},
      {"huber_loss", "TT", "XX.", huber_op, {any({2, 3}), any({2, 3})}},
      {"huber_loss", "Tf", "XX.", huber_op, {any({2, 3}), any({2, 3})}},
      {"huber_loss", "fT", "XX.", huber_op, {any({2, 3}), any({2, 3})}},
      {"bce",
       "Tf",
       "XX.",
       [](In in) { return binary_cross_entropy(in[0], in[1]); },
       {probability({2, 3}), probability({2, 3})}},
      {"bce_w",
       "Tff",
       "XXX.",
       [](In in) { return binary_cross_entropy(in[0], in[1], Reduction::Mean, in[2]); },
       {probability({2, 3}), probability({2, 3}), positive({2, 3})}},
      {"bce_logits",
       "Tf",
       "XX.",
       [](In in) { return binary_cross_entropy_with_logits(in[0], in[1]); },
       {any({2, 3}), probability({2, 3})}},
      {"bce_logits_w",
       "Tff",
       "XXX.",
       [](In in) { return binary_cross_entropy_with_logits(in[0], in[1], Reduction::Mean, in[2]); },
       {any({2, 3}), probability({2, 3}), positive({2, 3})}},
      {"bce_logits_pw",
       "Tff",
       "XXX.",
       [](In in) { return binary_cross_entropy_with_logits(in[0], in[1], Reduction::Mean, std::nullopt, in[2]); },
       {any({2, 3}), probability({2, 3}), positive({3})}},
  };
}

}  // namespace

TEST_CASE("backward reads, losses: a value the loss's backward does not read is freed with its last handle") {
  testing::check_unread_values_freed(loss_reads_cases());
}

TEST_CASE("backward reads, losses: gradients with every unread value freed match finite differences") {
  testing::check_gradients_with_unread_freed(loss_reads_cases());
}

TEST_CASE("backward reads, losses: an in-place change before backward() is refused exactly where torch refuses it") {
  // e.g. cross_entropy: torch saves the target (nll_loss) and log_softmax's output, not the logits,
  //   x = torch.randn(3, 4, requires_grad=True); t = torch.tensor([1, 0, 3]); loss = F.cross_entropy(x, t)
  //   with torch.no_grad(): x.copy_(x.clone())   # allowed; t.copy_(t.clone()) raises
  testing::check_in_place_refused_as_torch(loss_reads_cases());
}
