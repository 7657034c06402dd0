// Optimizer: the base of SGD, Adam and AdamW. Hyperparameters are doubles, as PyTorch's are
// Python floats; they are rounded to float32 where they meet the tensors, as in PyTorch's kernels.
#pragma once

#include <vector>

#include "../core/tensor.hpp"

namespace xtgrad {

class Optimizer {
 public:
  /// Throws std::invalid_argument for an empty parameter list or a negative learning rate.
  Optimizer(std::vector<Tensor> params, double lr, const char* name);
  virtual ~Optimizer() = default;

  /// Updates every parameter that has a gradient; parameters without one are skipped.
  virtual void step() = 0;
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);
  const std::vector<Tensor>& params() const { return params_; }

 protected:
  std::vector<Tensor> params_;
  double lr_;
  const char* name_;
};

}  // namespace xtgrad
