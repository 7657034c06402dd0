// StepLR and CosineAnnealingLR, following torch/optim/lr_scheduler.py (get_lr) line by line.
#include "scheduler.hpp"

#include <cmath>

#include "../core/detail/check.hpp"

namespace xtgrad {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer), base_lr_(optimizer.lr()) {}

void LRScheduler::step() {
  ++last_epoch_;
  optimizer_.set_lr(compute_lr());
}

StepLR::StepLR(Optimizer& optimizer, int step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  XTGRAD_CHECK(step_size > 0, "StepLR", "step_size must be positive, got ", step_size);
  XTGRAD_CHECK(gamma > 0.0, "StepLR", "gamma must be positive, got ", gamma);
}

double StepLR::compute_lr() const {
  double lr = optimizer_.lr();
  return last_epoch_ % step_size_ == 0 ? lr * gamma_ : lr;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int T_max, double eta_min)
    : LRScheduler(optimizer), t_max_(T_max), eta_min_(eta_min) {
  XTGRAD_CHECK(T_max > 0, "CosineAnnealingLR", "T_max must be positive, got ", T_max);
  XTGRAD_CHECK(eta_min >= 0.0, "CosineAnnealingLR", "eta_min must be >= 0, got ", eta_min);
}

double CosineAnnealingLR::compute_lr() const {
  const double pi = M_PI;
  const double lr = optimizer_.lr();
  const double t = last_epoch_, T = t_max_;
  if ((last_epoch_ - 1 - t_max_) % (2 * t_max_) == 0)
    return lr + (base_lr_ - eta_min_) * (1.0 - std::cos(pi / T)) / 2.0;
  return (1.0 + std::cos(pi * t / T)) / (1.0 + std::cos(pi * (t - 1.0) / T)) * (lr - eta_min_) + eta_min_;
}

}  // namespace xtgrad
