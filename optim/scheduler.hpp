// Learning-rate schedulers, as torch.optim.lr_scheduler: call step() once per epoch, after
// the optimizer's steps; each sets the optimizer's lr.
#pragma once

#include "optimizer.hpp"

namespace xtgrad {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  void step();                                  ///< advances one epoch and sets the new lr
  double get_last_lr() const { return optimizer_.lr(); }
  int last_epoch() const { return last_epoch_; }

 protected:
  /// The lr for last_epoch_, given the current lr (PyTorch's schedulers are recursive).
  virtual double compute_lr() const = 0;
  Optimizer& optimizer_;
  double base_lr_;
  int last_epoch_ = 0;
};

/// lr = base_lr · gamma^⌊epoch / step_size⌋.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int step_size, double gamma = 0.1);

 protected:
  double compute_lr() const override;

 private:
  int step_size_;
  double gamma_;
};

/// Cosine from base_lr down to eta_min over T_max epochs, then back up (period 2·T_max),
/// with PyTorch's recursive update so the numbers match it.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int T_max, double eta_min = 0.0);

 protected:
  double compute_lr() const override;

 private:
  int t_max_;
  double eta_min_;
};

}  // namespace xtgrad
