// Tensor handles, accessors and factories.
#include "xtgrad/core/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xio.hpp>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/tensor_impl.hpp"
#include "xtgrad/core/random.hpp"

namespace xtgrad {

Tensor::Tensor() : impl_(std::make_shared<detail::TensorImpl>()) { impl_->value = xt::zeros<float>(Shape{}); }

Tensor::Tensor(const Array& value, bool requires_grad) : Tensor(Array(value), requires_grad) {}

Tensor::Tensor(Array&& value, bool requires_grad) : impl_(std::make_shared<detail::TensorImpl>(std::move(value))) {
  impl_->requires_grad = requires_grad;
}

void Tensor::release() noexcept { detail::release_handle(impl_); }

std::size_t Tensor::dim() const { return impl_->value.dimension(); }
std::size_t Tensor::numel() const { return impl_->value.size(); }
const Array& Tensor::value() const { return impl_->value; }
Array& Tensor::mutable_value() {
  ++impl_->version;  // the caller may write through it: see TensorImpl::version
  return impl_->value;
}
bool Tensor::has_grad() const { return impl_->grad.has_value(); }
bool Tensor::requires_grad() const { return impl_->requires_grad; }

Shape Tensor::shape() const { return Shape(impl_->value.shape().begin(), impl_->value.shape().end()); }

std::size_t Tensor::size(std::ptrdiff_t dim) const {
  auto n = static_cast<std::ptrdiff_t>(this->dim());
  XTGRAD_CHECK(dim >= -n && dim < n, "size", "dimension ", dim, " is out of range for a tensor of shape ",
               shape_str(shape()));
  return impl_->value.shape()[static_cast<std::size_t>(dim < 0 ? dim + n : dim)];
}

float Tensor::item() const {
  XTGRAD_CHECK(numel() == 1, "item", "expected a tensor with one element, got shape ", shape_str(shape()));
  return impl_->value.data()[0];
}

const Array& Tensor::grad() const {
  // As PyTorch, backward() keeps the gradients of leaves only (the tensors an op's output is not).
  XTGRAD_CHECK(impl_->grad.has_value() || impl_->creator != 0, "grad",
               "this tensor has no gradient (it does not require grad, or backward() has not reached it "
               "since the last zero_grad())");
  XTGRAD_CHECK(impl_->grad.has_value(), "grad",
               impl_->retains_grad ? "this tensor keeps its gradient (retain_grad()), but backward() has not "
                                     "reached it"
                                   : "this tensor is an op's output, whose gradient backward() does not keep (as "
                                     "PyTorch keeps a gradient only for leaf tensors: parameters, or tensors made "
                                     "with requires_grad); call retain_grad() on it before backward() to keep it");
  return *impl_->grad;
}

Tensor& Tensor::retain_grad() {
  XTGRAD_CHECK(requires_grad(), "retain_grad", "this tensor does not require grad, so it gets no gradient to keep");
  if (!is_leaf()) impl_->retains_grad = true;
  return *this;
}

Array& Tensor::mutable_grad() {
  if (!impl_->grad) impl_->grad = xt::zeros<float>(impl_->value.shape());
  return *impl_->grad;
}

void Tensor::zero_grad(bool set_to_none) {
  if (set_to_none) impl_->grad.reset();
  else if (impl_->grad) impl_->grad->fill(0.0f);
}

Tensor& Tensor::requires_grad_(bool on) {
  XTGRAD_CHECK(is_leaf(), "requires_grad_",
               "can only be changed on a leaf tensor (one not computed by an op); use detach() first");
  impl_->requires_grad = on;
  return *this;
}

Tensor& Tensor::copy_(const Array& src) {
  Array& dst = impl_->value;
  XTGRAD_CHECK(detail::same_shape(src, dst), "copy_", "expected values of this tensor's shape ", detail::dims(dst),
               ", got ", detail::dims(src));
  if (src.data() != dst.data()) std::copy(src.data(), src.data() + src.size(), dst.data());
  ++impl_->version;
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) { return copy_(src.value()); }

Tensor Tensor::detach() const { return Tensor(impl_->value); }

Tensor Tensor::clone() const {
  return record(
      "clone", impl_->value, {*this}, [](BackwardContext& ctx) { ctx.add(0, ctx.grad()); }, kReadsNothing);
}

void Tensor::backward() const {
  XTGRAD_CHECK(numel() == 1, "backward",
               "only a tensor with one element gets an implicit gradient of 1; this one has shape ", shape_str(shape()),
               ", so pass the upstream gradient explicitly");
  detail::run_backward(impl_, Array(xt::ones<float>(impl_->value.shape())));
}

void Tensor::backward(const Array& grad_output) const { detail::run_backward(impl_, grad_output); }

std::string Tensor::to_string() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  os << "tensor(" << t.value() << ", shape=" << shape_str(t.shape());
  if (t.requires_grad()) os << ", requires_grad";
  return os << ")";
}

std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

Tensor tensor(xt::nested_initializer_list_t<float, 1> values, bool requires_grad) {
  return Tensor(Array(values), requires_grad);
}
Tensor tensor(xt::nested_initializer_list_t<float, 2> values, bool requires_grad) {
  return Tensor(Array(values), requires_grad);
}
Tensor tensor(xt::nested_initializer_list_t<float, 3> values, bool requires_grad) {
  return Tensor(Array(values), requires_grad);
}

namespace {
// The shape's number of elements; throws when it does not fit in size_t.
std::size_t checked_numel(const Shape& shape) {
  if (std::find(shape.begin(), shape.end(), std::size_t{0}) != shape.end()) return 0;
  std::size_t n = 1;
  for (std::size_t d : shape) {
    XTGRAD_CHECK(n <= SIZE_MAX / d, "tensor", "shape ", shape_str(shape), " has more elements than memory can address");
    n *= d;
  }
  return n;
}
}  // namespace

Tensor tensor(const std::vector<float>& data, const Shape& shape, bool requires_grad) {
  std::size_t n = checked_numel(shape);
  XTGRAD_CHECK(data.size() == n, "tensor", "got ", data.size(), " values for shape ", shape_str(shape),
               ", which needs ", n);
  return tensor(data.data(), shape, requires_grad);
}

Tensor tensor(const float* data, const Shape& shape, bool requires_grad) {
  std::size_t n = checked_numel(shape);
  XTGRAD_CHECK(data != nullptr || n == 0, "tensor", "got a null buffer for shape ", shape_str(shape));
  Array a = Array::from_shape(shape);
  if (n != 0) std::copy(data, data + n, a.data());
  return Tensor(std::move(a), requires_grad);
}

Tensor scalar(float value, bool requires_grad) { return full(Shape{}, value, requires_grad); }

Tensor zeros(const Shape& shape, bool requires_grad) { return full(shape, 0.0f, requires_grad); }
Tensor ones(const Shape& shape, bool requires_grad) { return full(shape, 1.0f, requires_grad); }

Tensor full(const Shape& shape, float value, bool requires_grad) {
  Array a = Array::from_shape(shape);
  a.fill(value);
  return Tensor(std::move(a), requires_grad);
}

Tensor arange(float start, float stop, float step) {
  XTGRAD_CHECK(step != 0.0f && std::isfinite(start) && std::isfinite(stop) && std::isfinite(step), "arange",
               "expected finite bounds and a non-zero step, got start=", start, " stop=", stop, " step=", step);
  double count = std::ceil((static_cast<double>(stop) - start) / step);
  std::size_t n = count > 0 ? static_cast<std::size_t>(count) : 0;
  Array a = Array::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) a(i) = static_cast<float>(start + static_cast<double>(i) * step);
  return Tensor(std::move(a));
}

Tensor randn(const Shape& shape, bool requires_grad) { return randn(shape, default_generator(), requires_grad); }

Tensor randn(const Shape& shape, Generator& gen, bool requires_grad) {
  Array a = Array::from_shape(shape);
  for (float& v : a) v = gen.normal();
  return Tensor(std::move(a), requires_grad);
}

Tensor rand(const Shape& shape, float low, float high, bool requires_grad) {
  return rand(shape, default_generator(), low, high, requires_grad);
}

Tensor rand(const Shape& shape, Generator& gen, float low, float high, bool requires_grad) {
  XTGRAD_CHECK(low <= high, "rand", "expected low <= high, got low=", low, " high=", high);
  Array a = Array::from_shape(shape);
  for (float& v : a) v = gen.uniform(low, high);
  return Tensor(std::move(a), requires_grad);
}

}  // namespace xtgrad
