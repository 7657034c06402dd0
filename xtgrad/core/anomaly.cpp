// DetectAnomaly: a thread-local switch, and the check the backward loop calls after each op.
#include "xtgrad/core/anomaly.hpp"

#include <cmath>
#include <stdexcept>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/tensor_impl.hpp"

namespace xtgrad {
namespace {

bool& anomaly_flag() {
  thread_local bool enabled = false;
  return enabled;
}

bool all_finite(const Array& a) {
  for (float v : a)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

DetectAnomaly::DetectAnomaly() : previous_(anomaly_flag()) { anomaly_flag() = true; }
DetectAnomaly::~DetectAnomaly() { anomaly_flag() = previous_; }
bool is_anomaly_enabled() { return anomaly_flag(); }

namespace detail {

void check_anomaly(const char* op, const std::vector<ImplPtr>& inputs) {
  if (!anomaly_flag()) return;
  // Gradients accumulate, so the first op that leaves a non-finite one is the op that made it:
  // every earlier op's gradients were checked finite.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]->grad || all_finite(*inputs[i]->grad)) continue;
    std::string shapes;
    for (std::size_t k = 0; k < inputs.size(); ++k) shapes += (k ? ", " : "") + dims(inputs[k]->value);
    throw std::runtime_error(concat("backward of '", op, "' produced a gradient holding NaN or inf for input ", i,
                                    "; its inputs have shapes ", shapes));
  }
}

}  // namespace detail
}  // namespace xtgrad
