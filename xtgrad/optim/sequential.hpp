// SequentialLR, as torch.optim.lr_scheduler.SequentialLR (PyTorch 1.13): one scheduler after
// another, switching at milestones, for warm-up then decay.
#pragma once

#include <memory>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/optim/scheduler.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Runs schedulers[0] until epoch milestones[0], then schedulers[1], and so on. Construct the
/// schedulers on the same optimizer first, in order, then this (which rewinds them, as
/// PyTorch's does): SequentialLR(opt, {warmup, cosine}, {5}). At a milestone the next scheduler
/// restarts at its epoch 0 from its closed form, exactly as PyTorch's scheduler.step(0).
class SequentialLR : public Scheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers, std::vector<int> milestones);
  const char* type_name() const override { return "SequentialLR"; }
  void step();
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

  /// {"_milestones", "last_epoch", "_last_lr", "_schedulers": [each scheduler's state]}.
  Value state_dict() const override;
  void load_state_dict(const Value& state) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<std::int64_t> milestones_;
};

}  // namespace xtgrad

XTGRAD_API_END
