// gradcheck: compares the tape's gradients with central finite differences.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

struct GradcheckOptions {
  float eps = 1e-3f;   ///< finite-difference step
  double rtol = 1e-2;  ///< element passes when |analytic − numeric| <= atol + rtol·|numeric|
  double atol = 1e-3;
  std::uint64_t seed = 1234;  ///< for the random weighting that reduces f's output to a scalar
};

struct GradcheckResult {
  bool ok = true;
  std::size_t input = 0;  ///< where the worst element is: which input,
  std::size_t index = 0;  ///< its flat (row-major) index,
  double analytic = 0.0;  ///< and the two gradients there
  double numeric = 0.0;
  double worst_ratio = 0.0;  ///< |analytic − numeric| / tolerance at the worst element (<= 1 passes)
  std::string message;       ///< a readable summary of the worst element
  explicit operator bool() const { return ok; }
};

/// Checks d(sum(w ⊙ f(inputs)))/d(input) from backward() against central differences, for
/// every element of every input that requires grad; w is a fixed random weighting so that
/// every output element matters. `f` must be deterministic. Inputs that require grad must be
/// leaves; they are perturbed in place, so `f` may also use them directly (a module's own
/// parameters), and their values and gradients are as before when gradcheck returns.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace xtgrad

XTGRAD_API_END
