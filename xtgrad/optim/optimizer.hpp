// Optimizer: the base of SGD, Adam and AdamW, with PyTorch's parameter groups
// (torch/optim/optimizer.py; C++ frontend torch/optim/optimizer.h). Hyperparameters are doubles,
// as PyTorch's are Python floats; they are rounded to float32 where they meet the tensors.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"
#include "xtgrad/core/value.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

namespace detail {
class StateReader;
}

/// The options of one parameter group, as a PyTorch param_group dict without "params". An option
/// never set stays "unset": in a group it is taken from the optimizer's defaults, in the defaults
/// it is PyTorch's default. Setters chain: AdamOptions(1e-3).betas({0.9, 0.999}).weight_decay(0).
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;

  double lr() const;  ///< throws if unset with no default (SGD's lr is required)
  void set_lr(double lr);
  /// The lr a scheduler started from (PyTorch's group['initial_lr']); set by the first scheduler.
  bool has_initial_lr() const { return initial_lr_.has_value(); }
  double initial_lr() const;
  void set_initial_lr(double lr) { initial_lr_ = lr; }

  /// The momentum OneCycleLR cycles: SGD's momentum, Adam's betas[0] (as PyTorch picks them).
  virtual bool has_momentum() const { return false; }
  virtual double get_momentum() const;
  virtual void set_momentum(double momentum);

  /// {"lr": ..., <the optimizer's keys>, ["initial_lr": ...]}, PyTorch's keys and order; an unset
  /// required lr is left out.
  Value to_value() const;
  /// Only the options set explicitly (what a group overrides).
  Value set_values() const;
  /// Sets every option from `group` (all keys required but initial_lr; "params" ignored; PyTorch's
  /// maximize/foreach/capturable/differentiable/fused accepted when off). Throws
  /// std::invalid_argument listing every problem; on error nothing changes.
  void from_value(const Value& group);
  /// Adds one line per invalid setting, in PyTorch's words ("invalid beta parameter at index 0: 1").
  virtual void check(std::vector<std::string>& problems) const;
  bool is_set(const std::string& key) const;

 protected:
  explicit OptimizerOptions(std::optional<double> default_lr) : lr_(default_lr) {}
  void mark_set(const char* key);
  /// The optimizer's own keys (all but lr and initial_lr).
  virtual void write(Value& group) const = 0;
  virtual void read(detail::StateReader& in, const Value& group, const std::string& path) = 0;
  virtual std::vector<std::string> keys() const = 0;
  /// Reads lr, initial_lr and the optimizer's keys, collecting problems (load_state_dict).
  void read_all(detail::StateReader& in, const Value& group, const std::string& path);
  friend class Optimizer;

 private:
  std::optional<double> lr_;
  std::optional<double> initial_lr_;
  std::vector<std::string> set_;
};

/// Parameters that share options. Options not set here come from the optimizer's defaults:
/// Adam({ParamGroup{weights}, ParamGroup{biases, AdamOptions().weight_decay(0)}}, AdamOptions(1e-3)).
class ParamGroup {
 public:
  ParamGroup(std::vector<Tensor> params);  // NOLINT: implicit, so that {weights} is a group
  ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options);
  ParamGroup(const ParamGroup& other);
  ParamGroup& operator=(const ParamGroup& other);
  ParamGroup(ParamGroup&&) = default;
  ParamGroup& operator=(ParamGroup&&) = default;

  const std::vector<Tensor>& params() const { return params_; }
  bool has_options() const { return options_ != nullptr; }
  /// The group's options; in an optimizer's group every option is set. Throws if there are none.
  const OptimizerOptions& options() const;
  OptimizerOptions& options();

 private:
  friend class Optimizer;
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;  // copy through state_dict() / load_state_dict()
  Optimizer& operator=(const Optimizer&) = delete;

  /// Updates every parameter that has a gradient; parameters without one are skipped.
  virtual void step() = 0;
  /// Tensor::zero_grad(set_to_none) on every parameter. With set_to_none = false (PyTorch 1.13's
  /// default) a parameter that had a gradient keeps a zero one, so step() still moves it (momentum,
  /// Adam's moments, weight decay); by default it has none and step() skips it, as PyTorch 2.
  void zero_grad(bool set_to_none = true);
  /// "Adam", "AdamW", "SGD": a checkpoint refuses state of another type.
  const char* type_name() const { return name_; }

  /// Adds a group, its unset options taken from defaults(). Throws std::invalid_argument for a
  /// parameter that is not a leaf requiring grad, already in a group, or invalid options.
  void add_param_group(const ParamGroup& group);
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  /// Group i, to change its options (a scheduler sets lr here).
  ParamGroup& param_group(std::size_t i);
  const OptimizerOptions& defaults() const { return *defaults_; }
  /// Every parameter, group by group: parameter k is "k" in state_dict().
  std::vector<Tensor> params() const;

  /// {"state": {"<k>": {per-parameter state}}, "param_groups": [{<options>, "params": [k, ...]}]},
  /// PyTorch's layout. Tensors are copies.
  Value state_dict() const;
  /// Restores what state_dict() wrote, into an optimizer with the same group sizes. Checks all
  /// of it first (group count and sizes, option kinds and ranges, tensor shapes, finite values)
  /// and throws std::invalid_argument listing every problem; on error nothing changes.
  void load_state_dict(const Value& state_dict);

 protected:
  Optimizer(const OptimizerOptions& defaults, const char* name);
  /// For the derived constructors: adds the groups; an empty list is an error.
  void add_param_groups(const std::vector<ParamGroup>& groups);
  std::size_t num_params() const { return num_params_; }

  // Per-parameter state, indexed like params(). resize_state runs as groups are added.
  virtual void resize_state(std::size_t num_params) = 0;
  /// Parameter k's state as PyTorch names it, or null when it has none (left out of "state").
  virtual Value param_state(std::size_t k) const = 0;
  /// Checks a saved state for a parameter of `param`'s shape in a group with `options`.
  virtual void check_param_state(detail::StateReader& in, const std::string& path, const Value& state,
                                 const Tensor& param, const OptimizerOptions& options) const = 0;
  /// Replaces parameter k's state with a checked one (null: no state).
  virtual void set_param_state(std::size_t k, const Value& state) = 0;

  std::vector<ParamGroup> groups_;

 private:
  std::unique_ptr<OptimizerOptions> defaults_;
  const char* name_;
  std::size_t num_params_ = 0;
};

}  // namespace xtgrad

XTGRAD_API_END
