// The schedulers whose lr is a simple function of the epoch: StepLR, MultiStepLR, ExponentialLR,
// LinearLR, CosineAnnealingLR. Each get_lr follows PyTorch 1.13's (torch/optim/lr_scheduler.py)
// line by line, in the same order of operations; closed_form_lr is its _get_closed_form_lr.
#include <algorithm>
#include <cmath>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/optim/detail/state_reader.hpp"
#include "xtgrad/optim/scheduler.hpp"

namespace xtgrad {

// ---- StepLR ----

StepLR::StepLR(Optimizer& optimizer, int step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  XTGRAD_CHECK(step_size > 0, "StepLR", "step_size must be positive, got ", step_size);
  XTGRAD_CHECK(gamma > 0.0 && std::isfinite(gamma), "StepLR", "gamma must be positive, got ", gamma);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::vector<double> StepLR::closed_form_lr() {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_)));
  return lrs;
}

void StepLR::write_state(Value& state) const {
  state["step_size"] = step_size_;
  state["gamma"] = gamma_;
}

void StepLR::read_state(detail::StateReader& in, const Value& state, bool apply) {
  std::int64_t step_size = in.integer(state, "", "step_size", 1, detail::kIntMax);
  double gamma = in.real(state, "", "gamma");
  if (gamma <= 0.0) in.problem("gamma", detail::concat("must be positive, got ", gamma));
  if (!apply) return;
  step_size_ = step_size;
  gamma_ = gamma;
}

// ---- MultiStepLR ----

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(milestones.begin(), milestones.end()), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  XTGRAD_CHECK(gamma > 0.0 && std::isfinite(gamma), "MultiStepLR", "gamma must be positive, got ", gamma);
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  // self.milestones is a Counter: a milestone listed twice decays twice at once.
  auto times = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (times == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(times));
  return lrs;
}

std::vector<double> MultiStepLR::closed_form_lr() {
  auto passed =
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();  // bisect_right
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(passed)));
  return lrs;
}

void MultiStepLR::write_state(Value& state) const {
  Value milestones = Value::list();
  for (std::int64_t m : milestones_) milestones.push_back(m);
  state["milestones"] = std::move(milestones);
  state["gamma"] = gamma_;
}

void MultiStepLR::read_state(detail::StateReader& in, const Value& state, bool apply) {
  std::vector<std::int64_t> milestones = in.integers(state, "", "milestones");
  double gamma = in.real(state, "", "gamma");
  if (gamma <= 0.0) in.problem("gamma", detail::concat("must be positive, got ", gamma));
  std::sort(milestones.begin(), milestones.end());
  if (!apply) return;
  milestones_ = milestones;
  gamma_ = gamma;
}

// ---- ExponentialLR ----

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  XTGRAD_CHECK(gamma > 0.0 && std::isfinite(gamma), "ExponentialLR", "gamma must be positive, got ", gamma);
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::vector<double> ExponentialLR::closed_form_lr() {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(last_epoch_)));
  return lrs;
}

void ExponentialLR::write_state(Value& state) const { state["gamma"] = gamma_; }

void ExponentialLR::read_state(detail::StateReader& in, const Value& state, bool apply) {
  double gamma = in.real(state, "", "gamma");
  if (gamma <= 0.0) in.problem("gamma", detail::concat("must be positive, got ", gamma));
  if (apply) gamma_ = gamma;
}

// ---- LinearLR ----

namespace {

// PyTorch 1.13 allows a start factor of 0, then divides by zero at epoch 1; it must be > 0 here.
void check_linear(detail::StateReader& in, double start_factor, double end_factor) {
  if (!(start_factor > 0.0 && start_factor <= 1.0))
    in.problem("start_factor", detail::concat("Starting multiplicative factor expected to be greater than 0 and less "
                                              "or equal to 1, got ",
                                              start_factor));
  if (!(end_factor >= 0.0 && end_factor <= 1.0))
    in.problem("end_factor",
               detail::concat("Ending multiplicative factor expected to be between 0 and 1, got ", end_factor));
}

}  // namespace

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  detail::StateReader in("LinearLR");
  check_linear(in, start_factor, end_factor);
  if (total_iters <= 0) in.problem("total_iters", detail::concat("must be positive, got ", total_iters));
  in.throw_if_problems();
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double s = start_factor_, e = end_factor_;
  for (double& lr : lrs)
    lr =
        lr * (1.0 + (e - s) / (static_cast<double>(total_iters_) * s + static_cast<double>(last_epoch_ - 1) * (e - s)));
  return lrs;
}

std::vector<double> LinearLR::closed_form_lr() {
  const double s = start_factor_, e = end_factor_;
  const double done = static_cast<double>(std::min(total_iters_, last_epoch_));
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * (s + (e - s) * done / static_cast<double>(total_iters_)));
  return lrs;
}

void LinearLR::write_state(Value& state) const {
  state["start_factor"] = start_factor_;
  state["end_factor"] = end_factor_;
  state["total_iters"] = total_iters_;
}

void LinearLR::read_state(detail::StateReader& in, const Value& state, bool apply) {
  double start_factor = in.real(state, "", "start_factor"), end_factor = in.real(state, "", "end_factor");
  std::int64_t total_iters = in.integer(state, "", "total_iters", 1, detail::kIntMax);
  check_linear(in, start_factor, end_factor);
  if (!apply) return;
  start_factor_ = start_factor;
  end_factor_ = end_factor;
  total_iters_ = total_iters;
}

// ---- CosineAnnealingLR ----

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int T_max, double eta_min)
    : LRScheduler(optimizer), t_max_(T_max), eta_min_(eta_min) {
  XTGRAD_CHECK(T_max > 0, "CosineAnnealingLR", "T_max must be positive, got ", T_max);
  XTGRAD_CHECK(eta_min >= 0.0 && std::isfinite(eta_min), "CosineAnnealingLR", "eta_min must be >= 0, got ", eta_min);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  const double pi = M_PI, t = static_cast<double>(last_epoch_), T = static_cast<double>(t_max_);
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    const double base = base_lrs_[i];
    if (step_count_ == 1 && last_epoch_ > 0)  // resumed with last_epoch > 0: the closed form
      lrs[i] = eta_min_ + (base - eta_min_) * (1.0 + std::cos(t * pi / T)) / 2.0;
    else if ((last_epoch_ - 1 - t_max_) % (2 * t_max_) == 0)  // the bottom of a cycle: turn up
      lrs[i] = lrs[i] + (base - eta_min_) * (1.0 - std::cos(pi / T)) / 2.0;
    else lrs[i] = (1.0 + std::cos(pi * t / T)) / (1.0 + std::cos(pi * (t - 1.0) / T)) * (lrs[i] - eta_min_) + eta_min_;
  }
  return lrs;
}

std::vector<double> CosineAnnealingLR::closed_form_lr() {
  const double pi = M_PI, t = static_cast<double>(last_epoch_), T = static_cast<double>(t_max_);
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(eta_min_ + (base - eta_min_) * (1.0 + std::cos(pi * t / T)) / 2.0);
  return lrs;
}

void CosineAnnealingLR::write_state(Value& state) const {
  state["T_max"] = t_max_;
  state["eta_min"] = eta_min_;
}

void CosineAnnealingLR::read_state(detail::StateReader& in, const Value& state, bool apply) {
  std::int64_t t_max = in.integer(state, "", "T_max", 1, detail::kIntMax);
  double eta_min = in.real(state, "", "eta_min");
  if (eta_min < 0.0) in.problem("eta_min", detail::concat("must be >= 0, got ", eta_min));
  if (!apply) return;
  t_max_ = t_max;
  eta_min_ = eta_min;
}

}  // namespace xtgrad
