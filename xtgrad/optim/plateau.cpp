// ReduceLROnPlateau, following torch/optim/lr_scheduler.py (PyTorch 1.13) line by line.
#include "xtgrad/optim/plateau.hpp"

#include <cmath>
#include <limits>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/optim/detail/state_reader.hpp"

namespace xtgrad {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Every check of the settings, for the constructor and load_state_dict alike.
void check_options(detail::StateReader& in, const ReduceLROnPlateauOptions& o, std::size_t groups) {
  if (!(o.factor < 1.0 && o.factor >= 0.0))
    in.problem("factor", detail::concat("Factor should be < 1.0 (and >= 0), got ", o.factor));
  if (o.mode != "min" && o.mode != "max") in.problem("mode", "mode " + o.mode + " is unknown!");
  if (o.threshold_mode != "rel" && o.threshold_mode != "abs")
    in.problem("threshold_mode", "threshold mode " + o.threshold_mode + " is unknown!");
  if (o.patience < 0) in.problem("patience", detail::concat("must be >= 0, got ", o.patience));
  if (o.cooldown < 0) in.problem("cooldown", detail::concat("must be >= 0, got ", o.cooldown));
  if (!std::isfinite(o.threshold) || !std::isfinite(o.eps))
    in.problem("", detail::concat("threshold and eps must be finite, got ", o.threshold, " and ", o.eps));
  if (o.min_lr.size() != groups)
    in.problem("min_lrs", detail::concat("expected ", groups, " min_lrs, got ", o.min_lr.size()));
  for (double m : o.min_lr)
    if (!(m >= 0.0)) in.problem("min_lrs", detail::concat("a minimum learning rate must be >= 0, got ", m));
}

}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : Scheduler(optimizer), options_(options) {
  const std::size_t groups = optimizer.param_groups().size();
  if (options_.min_lr.size() == 1) options_.min_lr.assign(groups, options.min_lr[0]);
  detail::StateReader in("ReduceLROnPlateau");
  check_options(in, options_, groups);
  in.throw_if_problems();
  best_ = mode_worse();
  last_lr_ = group_lrs();
}

double ReduceLROnPlateau::mode_worse() const { return options_.mode == "min" ? kInf : -kInf; }

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double threshold = options_.threshold;
  bool rel = options_.threshold_mode == "rel";
  if (options_.mode == "min") return rel ? a < best * (1.0 - threshold) : a < best - threshold;
  return rel ? a > best * (threshold + 1.0) : a > best + threshold;
}

void ReduceLROnPlateau::step(double metric) {
  check_group_count(options_.min_lr.size());
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown are ignored
  }
  if (num_bad_epochs_ > options_.patience) {
    std::vector<double> lrs = group_lrs();
    for (std::size_t i = 0; i < lrs.size(); ++i) {
      const double new_lr = std::max(lrs[i] * options_.factor, options_.min_lr[i]);
      if (lrs[i] - new_lr > options_.eps) lrs[i] = new_lr;  // a smaller change is skipped
    }
    set_group_lrs(lrs);
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_ = group_lrs();
}

Value ReduceLROnPlateau::state_dict() const {
  Value s = Value::dict();
  s["mode"] = options_.mode;
  s["factor"] = options_.factor;
  s["patience"] = options_.patience;
  s["threshold"] = options_.threshold;
  s["threshold_mode"] = options_.threshold_mode;
  s["cooldown"] = options_.cooldown;
  s["min_lrs"] = Value::numbers(options_.min_lr);
  s["eps"] = options_.eps;
  // JSON has no infinity: before any improvement best is the string "inf" (or "-inf").
  s["best"] = std::isinf(best_) ? Value(best_ > 0 ? "inf" : "-inf") : Value(best_);
  s["num_bad_epochs"] = num_bad_epochs_;
  s["cooldown_counter"] = cooldown_counter_;
  s["last_epoch"] = last_epoch_;
  s["_last_lr"] = Value::numbers(last_lr_);
  return s;
}

void ReduceLROnPlateau::load_state_dict(const Value& state) {
  detail::StateReader in("ReduceLROnPlateau.load_state_dict");
  if (!state.is_dict()) in.problem("", std::string("expected an object, got ") + state.kind_name());
  const std::size_t groups = optimizer_.param_groups().size();
  ReduceLROnPlateauOptions o;
  o.mode = in.string(state, "", "mode");
  o.factor = in.real(state, "", "factor");
  o.patience = in.integer(state, "", "patience", 0);
  o.threshold = in.real(state, "", "threshold");
  o.threshold_mode = in.string(state, "", "threshold_mode");
  o.cooldown = in.integer(state, "", "cooldown", 0);
  o.min_lr = in.reals(state, "", "min_lrs", groups);
  o.eps = in.real(state, "", "eps");
  double best = 0.0;
  if (state.contains("best") && state.at("best").kind() == Value::Kind::String) {
    const std::string& b = state.at("best").as_string();
    if (b == "inf" || b == "-inf") best = b == "inf" ? kInf : -kInf;
    else in.problem("best", "expected a number, \"inf\" or \"-inf\", got \"" + b + "\"");
  } else {
    best = in.real(state, "", "best");
  }
  // step() counts both on, so they are epochs as the other schedulers' last_epoch.
  std::int64_t num_bad_epochs = in.integer(state, "", "num_bad_epochs", 0, detail::kIntMax);
  std::int64_t cooldown_counter = in.integer(state, "", "cooldown_counter", 0);
  std::int64_t last_epoch = in.integer(state, "", "last_epoch", 0, detail::kIntMax);
  std::vector<double> last_lr = in.reals(state, "", "_last_lr", groups);
  if (in.ok()) check_options(in, o, groups);
  std::vector<std::string> known;
  const Value mine = state_dict();  // (a temporary's as_dict() would dangle in the loop)
  for (const auto& [key, value] : mine.as_dict()) known.push_back(key);
  in.unexpected_keys(state, "", known);
  in.throw_if_problems();

  options_ = o;
  best_ = best;
  num_bad_epochs_ = num_bad_epochs;
  cooldown_counter_ = cooldown_counter;
  last_epoch_ = last_epoch;
  last_lr_ = last_lr;
}

}  // namespace xtgrad
