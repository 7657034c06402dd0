// Broadcast shapes and their gradient reduction (the one un-broadcast for every op).
#include "xtgrad/core/detail/broadcast.hpp"

#include <algorithm>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xreducer.hpp>

#include "xtgrad/core/detail/check.hpp"

namespace xtgrad::detail {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Align from the right; a missing leading dimension acts as 1.
    std::size_t da = i + a.size() >= n ? a[i + a.size() - n] : 1;
    std::size_t db = i + b.size() >= n ? b[i + b.size() - n] : 1;
    XTGRAD_CHECK(da == db || da == 1 || db == 1, op, "shapes ", shape_str(a), " and ", shape_str(b),
                 " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

bool same_shape(const Array& a, const Array& b) {
  return a.dimension() == b.dimension() && std::equal(a.shape().begin(), a.shape().end(), b.shape().begin());
}

Shape shape_of(const Array& a) { return Shape(a.shape().begin(), a.shape().end()); }

Array sum_to(const Array& grad, const Shape& shape, const char* op) {
  Shape gshape = shape_of(grad);
  std::size_t lead = gshape.size() >= shape.size() ? gshape.size() - shape.size() : 0;
  bool compatible = gshape.size() >= shape.size();
  std::vector<std::size_t> axes;
  for (std::size_t i = 0; compatible && i < gshape.size(); ++i) {
    if (i < lead) {
      axes.push_back(i);
    } else if (shape[i - lead] != gshape[i]) {
      compatible = shape[i - lead] == 1;
      axes.push_back(i);
    }
  }
  if (!compatible) {
    throw std::logic_error(concat("backward of '", op, "' produced a gradient of shape ", shape_str(gshape),
                                  " for an input of shape ", shape_str(shape)));
  }
  if (axes.empty()) return grad;
  // A sum over no elements is zeros; xtensor 0.24's immediate reducer reads out of bounds when a
  // reduced axis has extent 0 (expand([1, 2] -> [0, 2]) crashed in backward).
  if (grad.size() == 0) return Array(xt::zeros<float>(shape));
  Array reduced = xt::sum(grad, axes, xt::evaluation_strategy::immediate);
  reduced.reshape(shape);
  return reduced;
}

}  // namespace xtgrad::detail
