// Learning-rate schedulers, as torch.optim.lr_scheduler (PyTorch 1.13): construct one on an
// optimizer (which sets each group's lr for epoch 0), then call step() once per epoch, after
// the optimizer's steps. Each sets the lr of every parameter group.
#pragma once

#include <cstdint>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/optim/optimizer.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

namespace detail {
class StateReader;
}

/// What every scheduler has, so that a checkpoint can save and restore any of them.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// "StepLR", "ReduceLROnPlateau", ...: a checkpoint refuses state of another type.
  virtual const char* type_name() const = 0;
  /// One lr per parameter group, as set by the last step (or the constructor).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  std::int64_t last_epoch() const { return last_epoch_; }
  Optimizer& optimizer() const { return optimizer_; }
  /// The scheduler's state under PyTorch's attribute names (last_epoch, base_lrs, ...).
  virtual Value state_dict() const = 0;
  /// Restores state_dict()'s output; checks all of it first and throws std::invalid_argument
  /// listing every problem; on error nothing changes.
  virtual void load_state_dict(const Value& state) = 0;

 protected:
  explicit Scheduler(Optimizer& optimizer) : optimizer_(optimizer) {}
  std::vector<double> group_lrs() const;
  /// Throws unless the optimizer still has `made_for` groups (add_param_group came later).
  void check_group_count(std::size_t made_for) const;
  void set_group_lrs(const std::vector<double>& lrs);

  Optimizer& optimizer_;
  std::int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

/// PyTorch's _LRScheduler: the schedulers whose lr follows from the epoch count. The constructor
/// sets each group's initial_lr if no scheduler has (base_lrs are those), then steps to epoch 0.
class LRScheduler : public Scheduler {
 public:
  /// Advances one epoch and sets every group's lr (PyTorch's recursive "chainable" form).
  void step();
  /// Each group's initial_lr when the scheduler was made.
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  /// {"last_epoch", "base_lrs", "_step_count", "_last_lr", <the scheduler's own fields>}.
  Value state_dict() const override;
  void load_state_dict(const Value& state) override;

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  /// PyTorch's _initial_step(): _step_count = 0, then step(). Derived constructors end with it.
  void initial_step();
  /// The lrs for last_epoch_ (PyTorch's get_lr).
  virtual std::vector<double> get_lr() = 0;
  /// The lrs for last_epoch_ from base_lrs alone (PyTorch's _get_closed_form_lr), used when
  /// SequentialLR restarts a scheduler at epoch 0. Defaults to get_lr(), as PyTorch.
  virtual std::vector<double> closed_form_lr() { return get_lr(); }
  virtual void write_state(Value& state) const = 0;
  /// Reads the scheduler's own fields, recording problems in `in`; assigns them when `apply`.
  virtual void read_state(detail::StateReader& in, const Value& state, bool apply) = 0;

  std::vector<double> base_lrs_;
  std::int64_t step_count_ = 0;  ///< PyTorch's _step_count: steps including the constructor's

 private:
  friend class SequentialLR;
  void step_to(std::int64_t epoch);  ///< PyTorch's step(epoch), deprecated there; SequentialLR uses step(0)
  void apply_lrs(const std::vector<double>& lrs);
};

/// lr = lr · gamma every step_size epochs (closed form: base_lr · gamma^⌊epoch / step_size⌋).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int step_size, double gamma = 0.1);
  const char* type_name() const override { return "StepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  void write_state(Value& state) const override;
  void read_state(detail::StateReader& in, const Value& state, bool apply) override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

/// lr = lr · gamma^(times epoch appears in milestones) (closed form: base_lr · gamma^#{m <= epoch}).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int> milestones, double gamma = 0.1);
  const char* type_name() const override { return "MultiStepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  void write_state(Value& state) const override;
  void read_state(detail::StateReader& in, const Value& state, bool apply) override;

 private:
  std::vector<std::int64_t> milestones_;  ///< sorted, repeats kept (PyTorch's Counter)
  double gamma_;
};

/// lr = lr · gamma every epoch (closed form: base_lr · gamma^epoch).
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  const char* type_name() const override { return "ExponentialLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  void write_state(Value& state) const override;
  void read_state(detail::StateReader& in, const Value& state, bool apply) override;

 private:
  double gamma_;
};

/// Warm-up: the factor on base_lr goes linearly from start_factor to end_factor over
/// total_iters epochs, then stays (closed form: base_lr · (s + (e − s) · min(T, epoch) / T)).
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int total_iters = 5);
  const char* type_name() const override { return "LinearLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  void write_state(Value& state) const override;
  void read_state(detail::StateReader& in, const Value& state, bool apply) override;

 private:
  double start_factor_, end_factor_;
  std::int64_t total_iters_;
};

/// Cosine from base_lr down to eta_min over T_max epochs, then back up (period 2·T_max), with
/// PyTorch's recursive update so the numbers match it (closed form:
/// eta_min + (base_lr − eta_min) · (1 + cos(π · epoch / T_max)) / 2).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int T_max, double eta_min = 0.0);
  const char* type_name() const override { return "CosineAnnealingLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;
  void write_state(Value& state) const override;
  void read_state(detail::StateReader& in, const Value& state, bool apply) override;

 private:
  std::int64_t t_max_;
  double eta_min_;
};

}  // namespace xtgrad

XTGRAD_API_END
