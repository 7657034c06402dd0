// What a Tensor handle points to, and the tape's entry points into it: the library's own code
// sees these; installed headers only forward-declare TensorImpl and ImplAccess, so the layout of
// a tensor and the backward loop are not part of the public API (a consumer cannot reach them).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/tensor.hpp"

namespace xtgrad::detail {

/// Copies of a handle share one TensorImpl.
struct TensorImpl {
  TensorImpl() = default;
  explicit TensorImpl(Array&& v) noexcept : value(std::move(v)) {}

  Array value;
  // Engaged exactly when the tensor has a gradient. Optional rather than an empty Array: Array's
  // default constructor allocates one element (xtensor makes it 0-D), and constructing and moving
  // its shape and strides cost a tensor made without gradient (inference, I1 in bench/README.md)
  // a fifth of its instructions.
  std::optional<Array> grad;
  // Its value's storage was freed (the shape kept): no handle held it and no backward reads it
  // (BackwardReads, autograd.cpp's drop_unread_value).
  bool value_dropped = false;
  bool requires_grad = false;
  // Counts copy_() and mutable_value() calls: a tape entry whose backward reads this value notes
  // it when recorded, and backward() refuses to run that entry on a changed value (PyTorch's
  // version counter), which would give gradients of values the forward pass never saw.
  std::uint32_t version = 0;
  std::uint64_t creator = 0;  // sequence number of the tape entry that made it; 0 for a leaf
  std::uint64_t tape = 0;     // id of the (thread's) tape holding that entry
  bool released = false;      // its tape entry was consumed by a backward()
  bool retains_grad = false;  // an op's output whose gradient backward() keeps (retain_grad())
};

using ImplPtr = std::shared_ptr<TensorImpl>;

/// The one door to the private parts of Tensor and BackwardContext (both befriend it).
struct ImplAccess {
  static const ImplPtr& impl(const Tensor& t) { return t.impl_; }
  /// The tape made t: called once on a new handle, before it is copied.
  static void mark_op_output(Tensor& t) { t.op_output_ = true; }
  static BackwardContext context(const char* op, const std::vector<ImplPtr>& outputs,
                                 const std::vector<ImplPtr>& inputs) {
    return BackwardContext(op, outputs, inputs);
  }
  /// The root of a backward() reads the caller's gradient directly instead of a copy.
  static void seed(BackwardContext& ctx, const TensorImpl* root, const Array* seed) {
    ctx.seeded_ = root;
    ctx.seed_ = seed;
  }
};

/// Called when a handle to an op's output is dropped: releases the output's tape entry (and,
/// in turn, entries only it kept alive) once nothing can reach it (autograd.cpp).
void release_handle(ImplPtr& impl) noexcept;

/// Backpropagates from `root` with upstream gradient `seed` (autograd.cpp).
void run_backward(const ImplPtr& root, const Array& seed);

/// Called by the backward loop after each op's backward: throws when anomaly detection is on
/// and a gradient of one of `inputs` is not finite (anomaly.cpp).
void check_anomaly(const char* op, const std::vector<ImplPtr>& inputs);

}  // namespace xtgrad::detail
