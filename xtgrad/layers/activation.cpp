// Activation modules: stateless wrappers over the core ops; options are checked on construction
// (and so on loading a file) and round-trip through config().
#include "xtgrad/layers/activation.hpp"

#include <cmath>
#include <stdexcept>

#include "xtgrad/core/ops.hpp"
#include "xtgrad/layers/detail/repr.hpp"

namespace xtgrad {
namespace {

double finite(const char* type, const char* name, double v) {
  if (!std::isfinite(v))
    throw std::invalid_argument(std::string(type) + ": " + name + " must be finite, got " + std::to_string(v));
  return v;
}

// "negative_slope=0.01", "alpha=1.0": the options are Python floats in PyTorch.
std::string option(const char* name, double v) { return std::string(name) + "=" + detail::float_repr(v); }

Value dict_of(std::initializer_list<std::pair<const char*, Value>> entries) {
  Value c = Value::dict();
  for (const auto& [key, value] : entries) c[key] = value;
  return c;
}

}  // namespace

Tensor ReLU::forward(const Tensor& input) { return relu(input); }
Tensor Tanh::forward(const Tensor& input) { return tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }
Tensor SiLU::forward(const Tensor& input) { return silu(input); }

LeakyReLU::LeakyReLU(double slope) : negative_slope(finite("LeakyReLU", "negative_slope", slope)) {}
std::shared_ptr<LeakyReLU> LeakyReLU::from_config(const Value& c) {
  return std::make_shared<LeakyReLU>(c.get_real_or("negative_slope", 0.01));
}
Tensor LeakyReLU::forward(const Tensor& input) { return leaky_relu(input, static_cast<float>(negative_slope)); }
Value LeakyReLU::config() const { return dict_of({{"negative_slope", negative_slope}}); }
std::string LeakyReLU::extra_repr() const { return option("negative_slope", negative_slope); }

ELU::ELU(double a) : alpha(finite("ELU", "alpha", a)) {}
std::shared_ptr<ELU> ELU::from_config(const Value& c) { return std::make_shared<ELU>(c.get_real_or("alpha", 1.0)); }
Tensor ELU::forward(const Tensor& input) { return elu(input, static_cast<float>(alpha)); }
Value ELU::config() const { return dict_of({{"alpha", alpha}}); }
std::string ELU::extra_repr() const { return option("alpha", alpha); }

GELU::GELU(const std::string& approx) : approximate(approx) {
  if (approximate != "none" && approximate != "tanh")
    throw std::invalid_argument("GELU: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
}
std::shared_ptr<GELU> GELU::from_config(const Value& c) {
  return std::make_shared<GELU>(c.contains("approximate") ? c.get_string("approximate") : "none");
}
Tensor GELU::forward(const Tensor& input) {
  return gelu(input, approximate == "tanh" ? GeluApproximation::Tanh : GeluApproximation::None);
}
Value GELU::config() const { return dict_of({{"approximate", approximate}}); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Softplus::Softplus(double b, double t)
    : beta(finite("Softplus", "beta", b)), threshold(finite("Softplus", "threshold", t)) {
  if (beta == 0.0) throw std::invalid_argument("Softplus: beta must be non-zero");
}
std::shared_ptr<Softplus> Softplus::from_config(const Value& c) {
  return std::make_shared<Softplus>(c.get_real_or("beta", 1.0), c.get_real_or("threshold", 20.0));
}
Tensor Softplus::forward(const Tensor& input) {
  return softplus(input, static_cast<float>(beta), static_cast<float>(threshold));
}
Value Softplus::config() const { return dict_of({{"beta", beta}, {"threshold", threshold}}); }
// PyTorch's defaults are the ints 1 and 20 (Softplus(beta: int = 1, threshold: int = 20)), so its
// default module prints "beta=1, threshold=20"; any other value prints as the float it is.
// nn.Softplus's defaults are the Python ints 1 and 20, so PyTorch prints them without ".0"
// (any other value a user passes is a float in practice).
std::string Softplus::extra_repr() const {
  return (beta == 1.0 ? "beta=1" : option("beta", beta)) + ", " +
         (threshold == 20.0 ? "threshold=20" : option("threshold", threshold));
}

Hardtanh::Hardtanh(double lo, double hi)
    : min_val(finite("Hardtanh", "min_val", lo)), max_val(finite("Hardtanh", "max_val", hi)) {
  // As PyTorch (assert max_val > min_val): equal bounds make a constant, whose gradient is zero everywhere.
  if (!(max_val > min_val))
    throw std::invalid_argument("Hardtanh: max_val must be greater than min_val, got min_val=" +
                                detail::float_repr(min_val) + ", max_val=" + detail::float_repr(max_val));
}
std::shared_ptr<Hardtanh> Hardtanh::from_config(const Value& c) {
  return std::make_shared<Hardtanh>(c.get_real_or("min_val", -1.0), c.get_real_or("max_val", 1.0));
}
Tensor Hardtanh::forward(const Tensor& input) {
  return hardtanh(input, static_cast<float>(min_val), static_cast<float>(max_val));
}
Value Hardtanh::config() const { return dict_of({{"min_val", min_val}, {"max_val", max_val}}); }
std::string Hardtanh::extra_repr() const { return option("min_val", min_val) + ", " + option("max_val", max_val); }

// Dims are bounded when read from a file; forward checks them against the input.
constexpr std::int64_t kMaxDim = 64;

Softmax::Softmax(std::int64_t d) : dim(d) {}
std::shared_ptr<Softmax> Softmax::from_config(const Value& c) {
  return std::make_shared<Softmax>(c.get_int_in("dim", -kMaxDim, kMaxDim));
}
Tensor Softmax::forward(const Tensor& input) { return softmax(input, dim); }
Value Softmax::config() const { return dict_of({{"dim", dim}}); }
std::string Softmax::extra_repr() const { return "dim=" + std::to_string(dim); }

LogSoftmax::LogSoftmax(std::int64_t d) : dim(d) {}
std::shared_ptr<LogSoftmax> LogSoftmax::from_config(const Value& c) {
  return std::make_shared<LogSoftmax>(c.get_int_in("dim", -kMaxDim, kMaxDim));
}
Tensor LogSoftmax::forward(const Tensor& input) { return log_softmax(input, dim); }
Value LogSoftmax::config() const { return dict_of({{"dim", dim}}); }
std::string LogSoftmax::extra_repr() const { return "dim=" + std::to_string(dim); }

}  // namespace xtgrad
