// Flatten over the flatten op; its dims are checked against each input there.
#include "xtgrad/layers/shape_modules.hpp"

#include "xtgrad/core/ops.hpp"

namespace xtgrad {

Flatten::Flatten(std::int64_t start, std::int64_t end) : start_dim(start), end_dim(end) {}

std::shared_ptr<Flatten> Flatten::from_config(const Value& c) {
  constexpr std::int64_t kMaxDim = 64;
  return std::make_shared<Flatten>(c.contains("start_dim") ? c.get_int_in("start_dim", -kMaxDim, kMaxDim) : 1,
                                   c.contains("end_dim") ? c.get_int_in("end_dim", -kMaxDim, kMaxDim) : -1);
}

Tensor Flatten::forward(const Tensor& input) { return flatten(input, start_dim, end_dim); }

Value Flatten::config() const {
  Value c = Value::dict();
  c["start_dim"] = start_dim;
  c["end_dim"] = end_dim;
  return c;
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

}  // namespace xtgrad
