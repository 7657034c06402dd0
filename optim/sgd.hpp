// SGD with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD.
#pragma once

#include "optimizer.hpp"

namespace xtgrad {

struct SGDOptions {
  double lr;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

/// g += λ·p; b = g at the first step, else b = μ·b + (1−τ)·g; g = g + μ·b (Nesterov) or b;
/// p −= lr·g. Nesterov needs μ > 0 and τ = 0.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  SGD(std::vector<Tensor> params, double lr, double momentum = 0.0, double dampening = 0.0,
      double weight_decay = 0.0, bool nesterov = false);
  void step() override;

  const SGDOptions& options() const { return options_; }
  /// Parameter k's momentum buffer exists after its first step with momentum.
  bool has_momentum_buffer(std::size_t k) const { return has_buffer_.at(k); }
  const Array& momentum_buffer(std::size_t k) const;
  /// Restores a buffer (checkpoints); it must have parameter k's shape.
  void set_momentum_buffer(std::size_t k, Array buffer);

 private:
  SGDOptions options_;
  std::vector<Array> buffers_;
  std::vector<bool> has_buffer_;
};

}  // namespace xtgrad
