// Finite-difference gradient checking. The scalar is accumulated in double and each step is
// divided by the difference actually representable in float32, which keeps float32 checks tight.
#include "xtgrad/core/gradcheck.hpp"

#include <cmath>
#include <optional>
#include <sstream>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/ops.hpp"
#include "xtgrad/core/random.hpp"

namespace xtgrad {
namespace {

double weighted_sum(const Array& y, const Array& w) {
  double s = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.data()[i]) * w.data()[i];
  return s;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
  // The inputs themselves are perturbed (so f may also reach them another way, as a module
  // reaches its own parameters); their values and gradients are restored before returning.
  bool any = false;
  std::vector<std::optional<Array>> saved_grads;
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    XTGRAD_CHECK(!inputs[t].requires_grad() || inputs[t].is_leaf(), "gradcheck", "input ", t,
                 " requires grad but is not a leaf; pass the leaf tensors f is computed from");
    any = any || inputs[t].requires_grad();
    saved_grads.push_back(inputs[t].has_grad() ? std::optional<Array>(inputs[t].grad()) : std::nullopt);
  }
  XTGRAD_CHECK(any, "gradcheck", "no input requires grad, so there is nothing to check");
  std::vector<Tensor> leaves = inputs;
  for (Tensor& leaf : leaves) leaf.zero_grad();

  Tensor out = f(leaves);
  Generator gen(options.seed);
  Array w = randn(out.shape(), gen).value();
  sum(mul(out, Tensor(w))).backward();
  std::vector<Array> analytic_grads;
  for (std::size_t t = 0; t < leaves.size(); ++t) {
    bool reached = leaves[t].requires_grad() && leaves[t].has_grad();
    analytic_grads.push_back(reached ? leaves[t].grad() : Array(xt::zeros<float>(leaves[t].value().shape())));
    leaves[t].zero_grad();
    if (saved_grads[t]) leaves[t].mutable_grad() = *saved_grads[t];
  }

  GradcheckResult result;
  result.worst_ratio = -1.0;  // below any real ratio, so the first element is recorded
  for (std::size_t t = 0; t < leaves.size(); ++t) {
    if (!leaves[t].requires_grad()) continue;
    const Array& analytic = analytic_grads[t];
    float* x = leaves[t].mutable_value().data();
    for (std::size_t j = 0; j < leaves[t].numel(); ++j) {
      const float original = x[j];
      NoGrad no_grad;
      const float up = original + options.eps, down = original - options.eps;
      x[j] = up;
      double f_up = weighted_sum(f(leaves).value(), w);
      x[j] = down;
      double f_down = weighted_sum(f(leaves).value(), w);
      x[j] = original;
      double numeric = (f_up - f_down) / (static_cast<double>(up) - static_cast<double>(down));
      double a = analytic.data()[j];
      double ratio = std::fabs(a - numeric) / (options.atol + options.rtol * std::fabs(numeric));
      if (std::isnan(ratio)) ratio = INFINITY;  // a NaN anywhere fails the check
      if (ratio > result.worst_ratio) {
        result.worst_ratio = ratio;
        result.input = t;
        result.index = j;
        result.analytic = a;
        result.numeric = numeric;
      }
    }
  }
  result.worst_ratio = std::fmax(result.worst_ratio, 0.0);
  result.ok = result.worst_ratio <= 1.0;
  std::ostringstream msg;
  msg << "gradcheck " << (result.ok ? "passed" : "FAILED") << ": worst element is input " << result.input << " index "
      << result.index << ": analytic " << result.analytic << ", numeric " << result.numeric << " (error "
      << result.worst_ratio << "x the tolerance)";
  result.message = msg.str();
  return result;
}

}  // namespace xtgrad
