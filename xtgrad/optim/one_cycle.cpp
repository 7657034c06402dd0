// OneCycleLR, following torch/optim/lr_scheduler.py (PyTorch 1.13) line by line.
#include "xtgrad/optim/one_cycle.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/optim/detail/state_reader.hpp"

namespace xtgrad {
namespace {

// PyTorch's _format_param: one value for every group, or one per group.
std::vector<double> per_group(detail::StateReader& in, const char* name, const std::vector<double>& values,
                              std::size_t groups) {
  if (values.size() == 1) return std::vector<double>(groups, values[0]);
  if (values.size() != groups)
    in.problem("", detail::concat("expected ", groups, " values for ", name, ", got ", values.size()));
  return values;
}

// Values step() writes into the groups' options (an lr, or the momentum: Adam's betas[0]) must
// pass the optimizer's own check, as they would set through its options: a file's beta1 of 1
// would otherwise make Adam divide by a bias correction of 0.
void check_cycled(detail::StateReader& in, const Optimizer& optimizer, const char* key,
                  const std::vector<double>& values, bool momentum) {
  for (std::size_t i = 0; i < values.size() && i < optimizer.param_groups().size(); ++i) {
    const OptimizerOptions& now = optimizer.param_groups()[i].options();
    std::unique_ptr<OptimizerOptions> options = now.clone();
    if (momentum) options->set_momentum(values[i]);
    else options->set_lr(values[i]);
    // Only what the file's value adds: the group's lr now (past a three-phase cycle's end,
    // PyTorch's is negative) is not the file's doing.
    std::vector<std::string> already, problems;
    now.check(already);
    options->check(problems);
    for (const std::string& p : problems)
      if (std::find(already.begin(), already.end(), p) == already.end())
        in.problem(detail::concat(key, "[", i, "]"), p);
  }
}

}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& o)
    : LRScheduler(optimizer),
      pct_start_(o.pct_start),
      anneal_strategy_(o.anneal_strategy),
      three_phase_(o.three_phase),
      cycle_momentum_(o.cycle_momentum) {
  detail::StateReader in("OneCycleLR");
  const std::size_t groups = optimizer.param_groups().size();
  if (o.total_steps == 0 && (o.epochs == 0 || o.steps_per_epoch == 0))
    in.problem("", "You must define either total_steps OR (epochs AND steps_per_epoch)");
  else if (o.total_steps != 0 && o.total_steps < 0)
    in.problem("", detail::concat("Expected positive integer total_steps, but got ", o.total_steps));
  else if (o.total_steps == 0 && (o.epochs < 0 || o.steps_per_epoch < 0))
    in.problem("", detail::concat("Expected positive integer epochs and steps_per_epoch, but got ", o.epochs, " and ",
                                  o.steps_per_epoch));
  total_steps_ = o.total_steps != 0 ? o.total_steps : o.epochs * o.steps_per_epoch;
  if (!(o.pct_start >= 0.0 && o.pct_start <= 1.0))
    in.problem("", detail::concat("Expected float between 0 and 1 pct_start, but got ", o.pct_start));
  if (o.anneal_strategy != "cos" && o.anneal_strategy != "linear")
    in.problem("", "anneal_strategy must by one of 'cos' or 'linear', instead got " + o.anneal_strategy);
  if (!(o.div_factor > 0.0 && o.final_div_factor > 0.0))
    in.problem("", detail::concat("div_factor and final_div_factor must be positive, got ", o.div_factor, " and ",
                                  o.final_div_factor));
  max_lrs_ = per_group(in, "max_lr", o.max_lr, groups);
  max_momentums_ = per_group(in, "max_momentum", o.max_momentum, groups);
  base_momentums_ = per_group(in, "base_momentum", o.base_momentum, groups);
  if (o.cycle_momentum && !optimizer.defaults().has_momentum())
    in.problem("", "optimizer must support momentum with `cycle_momentum` option enabled");
  in.throw_if_problems();

  // Unlike the other schedulers, OneCycleLR overwrites initial_lr (and so base_lrs).
  for (std::size_t i = 0; i < groups; ++i) {
    OptimizerOptions& g = optimizer.param_group(i).options();
    g.set_initial_lr(max_lrs_[i] / o.div_factor);
    base_lrs_[i] = g.initial_lr();
    min_lrs_.push_back(g.initial_lr() / o.final_div_factor);
    if (cycle_momentum_) g.set_momentum(max_momentums_[i]);
  }
  initial_step();
}

std::vector<OneCycleLR::Phase> OneCycleLR::phases() const {
  const double total = static_cast<double>(total_steps_);
  if (three_phase_)
    return {{pct_start_ * total - 1.0, 0, 1, 0, 1},
            {2.0 * pct_start_ * total - 2.0, 1, 0, 1, 0},
            {total - 1.0, 0, 2, 0, 0}};
  return {{pct_start_ * total - 1.0, 0, 1, 0, 1}, {total - 1.0, 1, 2, 1, 0}};
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (anneal_strategy_ == "linear") return (end - start) * pct + start;
  const double cos_out = std::cos(M_PI * pct) + 1.0;
  return end + (start - end) / 2.0 * cos_out;
}

std::vector<double> OneCycleLR::get_lr() {
  XTGRAD_CHECK(last_epoch_ <= total_steps_, "OneCycleLR", "Tried to step ", last_epoch_ + 1,
               " times. The specified number of total steps is ", total_steps_);
  const double step_num = static_cast<double>(last_epoch_);
  const std::vector<Phase> all = phases();
  std::vector<double> lrs;
  for (std::size_t g = 0; g < optimizer_.param_groups().size(); ++g) {
    OptimizerOptions& group = optimizer_.param_group(g).options();
    const double lr_at[] = {group.initial_lr(), max_lrs_[g], min_lrs_[g]};
    const double momentum_at[] = {max_momentums_[g], base_momentums_[g]};
    double start_step = 0.0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      const Phase& phase = all[i];
      if (step_num <= phase.end_step || i == all.size() - 1) {
        // PyTorch divides by zero here when pct_start · total_steps leaves a phase empty.
        XTGRAD_CHECK(phase.end_step != start_step, "OneCycleLR", "phase ", i,
                     " is empty (pct_start * total_steps is too small)");
        const double pct = (step_num - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(lr_at[phase.start], lr_at[phase.end], pct));
        if (cycle_momentum_)
          group.set_momentum(anneal(momentum_at[phase.start_momentum], momentum_at[phase.end_momentum], pct));
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

void OneCycleLR::write_state(Value& state) const {
  state["total_steps"] = total_steps_;
  state["pct_start"] = pct_start_;
  state["anneal_strategy"] = anneal_strategy_;
  state["three_phase"] = three_phase_;
  state["cycle_momentum"] = cycle_momentum_;
  state["max_lrs"] = Value::numbers(max_lrs_);
  state["min_lrs"] = Value::numbers(min_lrs_);
  state["max_momentums"] = Value::numbers(max_momentums_);
  state["base_momentums"] = Value::numbers(base_momentums_);
}

void OneCycleLR::read_state(detail::StateReader& in, const Value& state, bool apply) {
  const std::size_t groups = optimizer_.param_groups().size();
  std::int64_t total_steps = in.integer(state, "", "total_steps", 1);
  double pct_start = in.real(state, "", "pct_start");
  std::string anneal_strategy = in.string(state, "", "anneal_strategy");
  bool three_phase = in.boolean(state, "", "three_phase"), cycle_momentum = in.boolean(state, "", "cycle_momentum");
  std::vector<double> max_lrs = in.reals(state, "", "max_lrs", groups),
                      min_lrs = in.reals(state, "", "min_lrs", groups);
  std::vector<double> max_momentums = in.reals(state, "", "max_momentums", groups);
  std::vector<double> base_momentums = in.reals(state, "", "base_momentums", groups);
  if (!(pct_start >= 0.0 && pct_start <= 1.0))
    in.problem("pct_start", detail::concat("must be in [0, 1], got ", pct_start));
  if (state.contains("anneal_strategy") && anneal_strategy != "cos" && anneal_strategy != "linear")
    in.problem("anneal_strategy", "must be \"cos\" or \"linear\", got \"" + anneal_strategy + "\"");
  if (cycle_momentum && !optimizer_.defaults().has_momentum())
    in.problem("cycle_momentum", "the optimizer has no momentum to cycle");
  check_cycled(in, optimizer_, "max_lrs", max_lrs, false);
  check_cycled(in, optimizer_, "min_lrs", min_lrs, false);
  if (cycle_momentum && optimizer_.defaults().has_momentum()) {
    check_cycled(in, optimizer_, "max_momentums", max_momentums, true);
    check_cycled(in, optimizer_, "base_momentums", base_momentums, true);
  }
  if (!apply) return;
  total_steps_ = total_steps;
  pct_start_ = pct_start;
  anneal_strategy_ = anneal_strategy;
  three_phase_ = three_phase;
  cycle_momentum_ = cycle_momentum;
  max_lrs_ = max_lrs;
  min_lrs_ = min_lrs;
  max_momentums_ = max_momentums;
  base_momentums_ = base_momentums;
}

}  // namespace xtgrad
