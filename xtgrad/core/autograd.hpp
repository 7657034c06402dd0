// The tape: every op on a tensor that requires grad appends one entry in creation order;
// backward() replays the entries in reverse. Also the API for writing a new op.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <utility>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// While one is alive on a thread, ops on that thread record nothing (inference, updates).
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

bool is_grad_enabled();

/// What an op's backward sees: the gradient of its output, the values of its inputs and
/// output, and where to put each input's gradient.
class BackwardContext {
 public:
  /// d(loss)/d(output), in the output's shape (single-output ops).
  const Array& grad() const;
  const Array& output() const;
  /// The output's gradient buffer when the op may overwrite it (single-output ops), else
  /// nullptr (the root of a backward() reads the caller's gradient, which is not ours to
  /// change). An elementwise backward can turn it into its input's gradient in place and pass
  /// it on with add(i, std::move(*g)), instead of holding a second buffer of the output's size
  /// (the backward loop frees the output's gradient right after anyway). Read grad() no more
  /// once it is moved from.
  Array* reusable_grad();
  /// For multi-output ops: output k's gradient, or nullptr when nothing reached it (a zero).
  const Array* grad(std::size_t k) const;
  const Array& output(std::size_t k) const;
  const Array& input(std::size_t i) const;
  /// Input i's shape, known even when its value was freed because the op declared it unread.
  const Array::inner_shape_type& input_shape(std::size_t i) const;
  std::size_t num_inputs() const { return inputs_.size(); }
  bool wants(std::size_t i) const;  ///< does input i need a gradient?
  /// Accumulates a gradient for input i. It may have the broadcast shape of the op; it is
  /// summed back to input i's shape here, once, for every op.
  void add(std::size_t i, const Array& grad);
  void add(std::size_t i, Array&& grad);
  /// Input i's gradient buffer (zero-filled when new), for ops that accumulate in place,
  /// such as a GEMM with beta = 1.
  Array& grad_buffer(std::size_t i);
  /// Input i's gradient buffer for an op that overwrites or accumulates it in one pass: when
  /// `fresh`, the buffer is new and uninitialised (write it, e.g. a GEMM with beta = 0);
  /// otherwise it holds earlier gradients to add to (beta = 1). Saves zero-filling it first.
  struct GradTarget {
    Array& grad;
    bool fresh;
    float beta() const { return fresh ? 0.0f : 1.0f; }
  };
  GradTarget grad_target(std::size_t i);

 private:
  friend struct detail::ImplAccess;  // the backward loop makes contexts (autograd.cpp)
  BackwardContext(const char* op, const std::vector<std::shared_ptr<detail::TensorImpl>>& outputs,
                  const std::vector<std::shared_ptr<detail::TensorImpl>>& inputs)
      : op_(op), outputs_(outputs), inputs_(inputs) {}
  detail::TensorImpl& target(std::size_t i);
  const char* op_;
  // The root of a backward() reads the caller's gradient directly instead of a copy.
  const detail::TensorImpl* seeded_ = nullptr;
  const Array* seed_ = nullptr;
  const std::vector<std::shared_ptr<detail::TensorImpl>>& outputs_;
  const std::vector<std::shared_ptr<detail::TensorImpl>>& inputs_;
};

using BackwardFn = std::function<void(BackwardContext&)>;

/// Which values around an op its backward reads: the inputs whose bits are set (bit i for input
/// i; inputs past the 32nd always count as read) and its outputs or not. The tape keeps every
/// tensor of a recorded op for its gradient, but the value of one that no backward reads is freed
/// as soon as the last handle to it goes: a Linear's output under the activation after it (Linear
/// reads its input and weight; ReLU its own output). An op that does not say reads everything.
/// ctx.input(i) or ctx.output() of a value said to be unread throws std::logic_error.
struct BackwardReads {
  std::uint32_t inputs = ~std::uint32_t{0};
  bool outputs = true;
};

/// The usual declarations, as PyTorch's derivatives save them: nothing (a gradient of g and the
/// inputs' shapes: add, sum, reshape), the inputs only (log, var), the output only (exp, softmax).
inline constexpr BackwardReads kReadsNothing{0, false};
inline constexpr BackwardReads kReadsInputs{~std::uint32_t{0}, false};
inline constexpr BackwardReads kReadsOutput{0, true};

/// A product y = a·b (elementwise or matrix), as PyTorch saves it: a is read only for b's gradient
/// and b only for a's, so each is read when the other requires grad; the output never.
BackwardReads product_reads(const Tensor& a, const Tensor& b);

namespace detail {
bool recording(const Tensor* begin, const Tensor* end);
Tensor record_one(const char* op, Array&& value, const Tensor* begin, const Tensor* end, BackwardFn&& backward,
                  BackwardReads reads);
}  // namespace detail

/// Wraps a computed value as an op's output. When grad is enabled and any input requires
/// grad, appends one tape entry whose `backward` (any callable taking a BackwardContext&)
/// puts the inputs' gradients into the context; otherwise records nothing and does not even
/// store `backward` (inference makes no allocation for it). `op` names the op in errors. The value
/// is moved into the output once (an rvalue) or copied once. `reads`: what the backward reads.
template <class F>
Tensor record(const char* op, Array&& value, std::initializer_list<Tensor> inputs, F&& backward,
              BackwardReads reads = {}) {
  if (!detail::recording(inputs.begin(), inputs.end())) return Tensor(std::move(value));
  return detail::record_one(op, std::move(value), inputs.begin(), inputs.end(), BackwardFn(std::forward<F>(backward)),
                            reads);
}
template <class F>
Tensor record(const char* op, const Array& value, std::initializer_list<Tensor> inputs, F&& backward,
              BackwardReads reads = {}) {
  return record(op, Array(value), inputs, std::forward<F>(backward), reads);
}
template <class F>
Tensor record(const char* op, Array&& value, const std::vector<Tensor>& inputs, F&& backward,
              BackwardReads reads = {}) {
  const Tensor* begin = inputs.data();
  const Tensor* end = begin + inputs.size();
  if (!detail::recording(begin, end)) return Tensor(std::move(value));
  return detail::record_one(op, std::move(value), begin, end, BackwardFn(std::forward<F>(backward)), reads);
}
template <class F>
Tensor record(const char* op, const Array& value, const std::vector<Tensor>& inputs, F&& backward,
              BackwardReads reads = {}) {
  return record(op, Array(value), inputs, std::forward<F>(backward), reads);
}

/// An op with several outputs (an LSTM layer's sequence, h_n and c_n): one tape entry whose
/// backward reads each output's gradient with ctx.grad(k). `reads`: what the backward reads, as
/// for record(); its `outputs` covers every output.
std::vector<Tensor> record_multi(const char* op, std::vector<Array> values, const std::vector<Tensor>& inputs,
                                 BackwardFn backward, BackwardReads reads = {});

/// True when an op on these inputs would be recorded (lets an op skip saving extra values).
bool will_record(std::initializer_list<Tensor> inputs);

/// Number of entries on the calling thread's tape (for tests and memory checks).
std::size_t tape_size();
/// Drops every entry on the calling thread's tape without running backward.
void clear_tape();

}  // namespace xtgrad

XTGRAD_API_END
