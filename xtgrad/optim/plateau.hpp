// ReduceLROnPlateau, as torch.optim.lr_scheduler.ReduceLROnPlateau (PyTorch 1.13): step(metric)
// once per epoch with the quantity watched (a validation loss, say).
#pragma once

#include <string>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/optim/scheduler.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// PyTorch's arguments and defaults. min_lr is one value for every group, or one per group.
struct ReduceLROnPlateauOptions {
  std::string mode = "min";    ///< "min": lower is better; "max": higher is better
  double factor = 0.1;         ///< new_lr = lr · factor
  std::int64_t patience = 10;  ///< bad epochs tolerated before reducing
  double threshold = 1e-4;
  std::string threshold_mode = "rel";  ///< "rel": better than best·(1 ∓ threshold); "abs": best ∓ threshold
  std::int64_t cooldown = 0;           ///< epochs after a reduction during which bad epochs are not counted
  std::vector<double> min_lr = {0.0};
  double eps = 1e-8;  ///< reductions smaller than this are skipped
};

/// Reduces every group's lr by `factor` (not below its min_lr) once the metric has not improved
/// by `threshold` for more than `patience` epochs; then waits `cooldown` epochs.
class ReduceLROnPlateau : public Scheduler {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  const char* type_name() const override { return "ReduceLROnPlateau"; }
  /// One epoch with this value of the metric (NaN counts as no improvement).
  void step(double metric);
  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }

  /// PyTorch's attributes: mode, factor, patience, threshold, threshold_mode, cooldown, min_lrs,
  /// eps, best ("inf"/"-inf" before any improvement), num_bad_epochs, cooldown_counter,
  /// last_epoch, _last_lr.
  Value state_dict() const override;
  void load_state_dict(const Value& state) override;

 private:
  bool is_better(double a, double best) const;
  double mode_worse() const;

  ReduceLROnPlateauOptions options_;  ///< min_lr holds one value per group
  double best_;
  std::int64_t num_bad_epochs_ = 0;
  std::int64_t cooldown_counter_ = 0;
};

}  // namespace xtgrad

XTGRAD_API_END
