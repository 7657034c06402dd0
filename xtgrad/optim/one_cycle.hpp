// OneCycleLR, as torch.optim.lr_scheduler.OneCycleLR (PyTorch 1.13): step() after every batch.
#pragma once

#include <string>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/optim/scheduler.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// OneCycleLR's settings, PyTorch's defaults. max_lr and the momentums are one value for every
/// group, or one per group.
struct OneCycleLROptions {
  std::vector<double> max_lr;    ///< required
  std::int64_t total_steps = 0;  ///< or epochs · steps_per_epoch when 0
  std::int64_t epochs = 0;
  std::int64_t steps_per_epoch = 0;
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";  ///< "cos" or "linear"
  bool cycle_momentum = true;
  std::vector<double> base_momentum = {0.85};
  std::vector<double> max_momentum = {0.95};
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
};

/// The 1cycle policy: lr rises from max_lr/div_factor to max_lr over pct_start of the steps, then
/// falls to initial_lr/final_div_factor (three_phase: back to initial_lr, then down to the
/// minimum), by cosine or linear annealing. With cycle_momentum the momentum (SGD's momentum,
/// Adam's betas[0]) moves the other way, between max_momentum and base_momentum. Sets each
/// group's initial_lr to max_lr/div_factor, as PyTorch does.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  const char* type_name() const override { return "OneCycleLR"; }
  std::int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;
  void write_state(Value& state) const override;
  void read_state(detail::StateReader& in, const Value& state, bool apply) override;

 private:
  struct Phase {
    double end_step;
    int start, end;                    ///< 0 initial_lr, 1 max_lr, 2 min_lr
    int start_momentum, end_momentum;  ///< 0 max_momentum, 1 base_momentum
  };
  std::vector<Phase> phases() const;
  double anneal(double start, double end, double pct) const;

  std::int64_t total_steps_;
  double pct_start_;
  std::string anneal_strategy_;
  bool three_phase_, cycle_momentum_;
  std::vector<double> max_lrs_, min_lrs_, max_momentums_, base_momentums_;  ///< per group
};

}  // namespace xtgrad

XTGRAD_API_END
