// The checks of what an op's backward reads (BackwardReads) against what PyTorch 1.13 saves, shared
// by the tables of test_backward_reads.cpp (core ops), test_backward_reads_losses.cpp and
// test_backward_reads_recurrent.cpp. A row's `torch` column is printed by
// tests/core/backward_reads_torch.py: for each argument, then the output, 'X' where changing that
// value in place (copy_) between the forward pass and backward() makes torch raise "one of the
// variables needed for gradient computation has been modified by an inplace operation", '.' where
// torch allows it. The same column says what the op must not read: such a value is freed with its
// last handle, and the gradients stay right.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/testing.hpp"
#include "xtgrad/core/detail/tensor_impl.hpp"

namespace xtgrad::testing {

using ReadsOp = std::function<Tensor(const std::vector<Tensor>&)>;

struct ReadsCase {
  const char* name;
  const char* requires_grad;  // per argument: 'T' requires grad, 'f' does not
  // Per argument, then the output: 'X' torch refuses a change, '.' allows it; 'x' torch allows it
  // but xtgrad reads the value (a deliberate difference, said where the op records).
  const char* torch;
  ReadsOp op;
  std::vector<Array> values;  // the arguments
};

// "mul Tf": doctest's INFO prints a const char* variable as an address.
inline std::string reads_label(const ReadsCase& c) { return std::string(c.name) + " " + c.requires_grad; }

inline std::vector<Tensor> reads_leaves(const ReadsCase& c) {
  std::vector<Tensor> leaves;
  for (std::size_t i = 0; i < c.values.size(); ++i) leaves.emplace_back(Array(c.values[i]), c.requires_grad[i] == 'T');
  return leaves;
}

// The op on copies of the leaves made by an op that reads nothing (a leaf's value is never freed),
// each handle dropped as soon as the next op has it: what the op does not read is gone before
// backward() runs.
inline Tensor reads_on_temporaries(const ReadsOp& op, const std::vector<Tensor>& leaves) {
  std::vector<Tensor> ins;
  for (const Tensor& leaf : leaves) ins.push_back(leaf * 1.0f);
  Tensor y = op(ins);
  ins.clear();
  return y * 1.0f;
}

/// With every handle dropped, each value a row's torch column marks '.' is freed and each 'X' kept.
inline void check_unread_values_freed(const std::vector<ReadsCase>& cases) {
  for (const ReadsCase& c : cases) {
    INFO(reads_label(c));
    std::vector<Tensor> leaves = reads_leaves(c), ins;
    std::vector<std::weak_ptr<detail::TensorImpl>> watched;
    for (const Tensor& leaf : leaves) {
      ins.push_back(leaf * 1.0f);
      watched.push_back(detail::ImplAccess::impl(ins.back()));
    }
    Tensor y = c.op(ins);
    std::weak_ptr<detail::TensorImpl> out = detail::ImplAccess::impl(y);
    ins.clear();
    Tensor z = y * 1.0f;
    y = Tensor();
    const std::size_t n = leaves.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (c.requires_grad[i] != 'T') continue;  // not on the tape: an ordinary value
      INFO("argument " << i);
      REQUIRE_FALSE(watched[i].expired());  // the tape keeps the tensor, for its gradient
      CHECK(watched[i].lock()->value_dropped == (c.torch[i] == '.'));
    }
    INFO("the output");
    CHECK(out.lock()->value_dropped == (c.torch[n] == '.'));
    clear_tape();
  }
}

/// Gradients with every unread value freed match finite differences.
inline void check_gradients_with_unread_freed(const std::vector<ReadsCase>& cases, GradcheckOptions options = {}) {
  for (const ReadsCase& c : cases) {
    INFO(reads_label(c));
    const ReadsOp& op = c.op;
    CHECK_GRADCHECK([&op](const std::vector<Tensor>& in) { return reads_on_temporaries(op, in); }, reads_leaves(c),
                    options);
  }
}

/// copy_() of an argument or the output before backward() is refused exactly where torch refuses it.
inline void check_in_place_refused_as_torch(const std::vector<ReadsCase>& cases) {
  for (const ReadsCase& c : cases) {
    const std::size_t n = c.values.size();
    for (std::size_t target = 0; target <= n; ++target) {
      std::string changing = target < n ? "argument " + std::to_string(target) : std::string("the output");
      INFO(reads_label(c) << ", changing " << changing);
      std::vector<Tensor> leaves = reads_leaves(c);
      Tensor y = c.op(leaves);
      Tensor& changed = target < n ? leaves[target] : y;
      changed.copy_(Array(changed.value()));  // the same values: only the version counts
      Tensor loss = sum(y * 1.0f);
      if (c.torch[target] != '.') {
        CHECK_THROWS_AS(loss.backward(), std::invalid_argument);
      } else {
        CHECK_NOTHROW(loss.backward());
      }
      clear_tape();
    }
  }
}

}  // namespace xtgrad::testing
