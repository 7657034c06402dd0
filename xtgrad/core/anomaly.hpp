// Anomaly detection for backward, as torch.autograd.detect_anomaly: while a DetectAnomaly guard
// is alive on a thread, backward() checks every gradient an op produces and stops at the first
// op whose gradient holds a NaN or an infinity.
#pragma once

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// RAII: checks gradients during backward on this thread while alive (it costs one pass over
/// each gradient). The error, std::runtime_error, names the op and the shapes of its inputs:
/// "backward of 'log' produced a gradient holding NaN or inf for input 0; its inputs have
/// shapes [3]". Guards nest; the previous setting returns when one ends.
class DetectAnomaly {
 public:
  DetectAnomaly();
  ~DetectAnomaly();
  DetectAnomaly(const DetectAnomaly&) = delete;
  DetectAnomaly& operator=(const DetectAnomaly&) = delete;

 private:
  bool previous_;
};

bool is_anomaly_enabled();

}  // namespace xtgrad

XTGRAD_API_END
