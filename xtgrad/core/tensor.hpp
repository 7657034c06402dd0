// Tensor: float32 values in an xtensor array, plus an optional gradient filled by the tape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xarray.hpp>

#include "xtgrad/core/allocator.hpp"
#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Row-major, contiguous float32 storage; its blocks are recycled through BufferAllocator.
/// Any xtensor expression (xt::zeros, a + b, an xt::xarray<float>) assigns into it.
using Array = xt::xarray<float, xt::layout_type::row_major, BufferAllocator<float>>;
using Shape = std::vector<std::size_t>;

class Generator;

namespace detail {
struct TensorImpl;  // what a handle points to; defined in the library's sources only
struct ImplAccess;  // how the library's own code reaches it
}  // namespace detail

/// A handle to values (and, for tensors that require grad, a gradient). Copying the handle
/// shares storage, as in PyTorch; `clone()` copies.
class Tensor {
 public:
  Tensor();  ///< a 0-d tensor holding 0
  explicit Tensor(const Array& value, bool requires_grad = false);
  /// Takes the array over without a copy (moving an Array costs more than its pointer: xtensor swaps
  /// its shape and strides element by element, so ops move their results exactly once).
  explicit Tensor(Array&& value, bool requires_grad = false);
  Tensor(const Tensor&) = default;
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor other) noexcept {  // copy or move; the old target is dropped as below
    impl_.swap(other.impl_);
    std::swap(op_output_, other.op_output_);
    return *this;
  }
  /// Dropping the last handle to an op's output releases its tape entry at once when no other
  /// output of that op and no later entry uses it, so abandoned graphs do not wait for backward().
  ~Tensor() {
    if (op_output_ && impl_) release();
  }

  Shape shape() const;
  std::size_t dim() const;
  std::size_t numel() const;
  std::size_t size(std::ptrdiff_t dim) const;  ///< extent of one dimension; negative counts from the end
  float item() const;                          ///< the single value; throws unless numel() == 1

  const Array& value() const;
  /// Mutable values, for optimizers and initialisers; not recorded on the tape and unchecked:
  /// prefer copy_() to set values. Each call counts as a change (below).
  Array& mutable_value();
  /// Overwrites the values with src's, which must have this tensor's shape (else
  /// std::invalid_argument naming both). Not recorded on the tape; the handle and its storage
  /// stay the same, so modules and optimizers holding this tensor see the new values.
  /// As PyTorch's version counter: a backward() through an op that used this tensor before the
  /// change, and whose gradient reads its value, throws std::invalid_argument instead of using
  /// the new values (step the optimizer after backward(), not between forward and backward).
  Tensor& copy_(const Tensor& src);
  Tensor& copy_(const Array& src);
  /// The accumulated gradient; throws if backward() has not reached this tensor.
  const Array& grad() const;
  bool has_grad() const;
  Array& mutable_grad();  ///< the gradient buffer, zero-filled if absent
  /// Drops the gradient (PyTorch's set_to_none=True, its default since 2.0), or with
  /// set_to_none = false fills it with zeros (1.13's default; a tensor without one stays without).
  void zero_grad(bool set_to_none = true);

  bool requires_grad() const;
  bool is_leaf() const { return !op_output_; }
  /// Keeps this op output's gradient after backward(), which otherwise keeps only the leaves'
  /// (PyTorch's retain_grad(); a leaf keeps its gradient anyway). Throws std::invalid_argument
  /// for a tensor that does not require grad.
  Tensor& retain_grad();
  Tensor& requires_grad_(bool on = true);  ///< leaves only

  Tensor detach() const;  ///< a new leaf with a copy of the values, no grad
  Tensor clone() const;   ///< a copy recorded on the tape (gradient flows)

  /// Backpropagates from this scalar (seed 1), or from any tensor with an explicit upstream
  /// gradient of its shape. Accumulates (+=) into the gradients of the leaves it reaches.
  void backward() const;
  void backward(const Array& grad_output) const;

  std::string to_string() const;
  bool same_as(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  friend struct detail::ImplAccess;
  void release() noexcept;  // releases impl_'s tape entry when nothing else can reach it
  std::shared_ptr<detail::TensorImpl> impl_;
  // Whether an op made it (its impl's creator is not 0). Set once, by the tape, before the
  // handle is copied, and kept here too so that the inline destructor and is_leaf() read the
  // handle rather than calling into the opaque impl (measured: the call costs ~1% of
  // instructions in small models' inference).
  bool op_output_ = false;
};

// Factories. (Nested lists whose innermost lists hold one number, {{0}, {1}}, are ambiguous
// in C++: write reshape(tensor({0, 1}), {2, 1}).) Each random one takes a generator; without one it uses the calling
// thread's default generator, seeded by manual_seed().
Tensor tensor(xt::nested_initializer_list_t<float, 1> values, bool requires_grad = false);
Tensor tensor(xt::nested_initializer_list_t<float, 2> values, bool requires_grad = false);
Tensor tensor(xt::nested_initializer_list_t<float, 3> values, bool requires_grad = false);
/// A tensor of `shape` holding a copy of row-major `data`; throws unless data has exactly as
/// many values as the shape (e.g. tensor(values, {2, 3}) needs 6).
Tensor tensor(const std::vector<float>& data, const Shape& shape, bool requires_grad = false);
/// The same from a buffer of at least as many floats as the shape has elements.
Tensor tensor(const float* data, const Shape& shape, bool requires_grad = false);
Tensor scalar(float value, bool requires_grad = false);
Tensor zeros(const Shape& shape, bool requires_grad = false);
Tensor ones(const Shape& shape, bool requires_grad = false);
Tensor full(const Shape& shape, float value, bool requires_grad = false);
Tensor arange(float start, float stop, float step = 1.0f);
Tensor randn(const Shape& shape, bool requires_grad = false);
Tensor randn(const Shape& shape, Generator& gen, bool requires_grad = false);
/// Uniform on [low, high).
Tensor rand(const Shape& shape, float low = 0.0f, float high = 1.0f, bool requires_grad = false);
Tensor rand(const Shape& shape, Generator& gen, float low = 0.0f, float high = 1.0f, bool requires_grad = false);

std::string shape_str(const Shape& shape);

std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace xtgrad

XTGRAD_API_END
