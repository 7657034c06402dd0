// The scheduler bases: Scheduler and LRScheduler (torch/optim/lr_scheduler.py's _LRScheduler,
// PyTorch 1.13): initial_lr and base_lrs, step(), and the state dict common to all.
#include "xtgrad/optim/scheduler.hpp"

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/optim/detail/state_reader.hpp"

namespace xtgrad {

// ---- Scheduler, LRScheduler ----

std::vector<double> Scheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const ParamGroup& g : optimizer_.param_groups()) lrs.push_back(g.options().lr());
  return lrs;
}

void Scheduler::set_group_lrs(const std::vector<double>& lrs) {
  for (std::size_t i = 0; i < lrs.size(); ++i) optimizer_.param_group(i).options().set_lr(lrs[i]);
}

LRScheduler::LRScheduler(Optimizer& optimizer) : Scheduler(optimizer) {
  last_epoch_ = -1;
  // group.setdefault('initial_lr', group['lr']): a second scheduler on the same optimizer keeps
  // the first one's base.
  for (std::size_t i = 0; i < optimizer.param_groups().size(); ++i) {
    OptimizerOptions& o = optimizer.param_group(i).options();
    if (!o.has_initial_lr()) o.set_initial_lr(o.lr());
    base_lrs_.push_back(o.initial_lr());
  }
}

void Scheduler::check_group_count(std::size_t made_for) const {
  XTGRAD_CHECK(optimizer_.param_groups().size() == made_for, type_name(), "the optimizer has ",
               optimizer_.param_groups().size(), " parameter groups, but the scheduler was made for ", made_for,
               " (add groups before making schedulers)");
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  check_group_count(base_lrs_.size());
  ++step_count_;
  ++last_epoch_;
  std::vector<double> lrs;
  try {
    lrs = get_lr();
  } catch (...) {  // OneCycleLR past its last step: nothing changes
    --step_count_;
    --last_epoch_;
    throw;
  }
  apply_lrs(lrs);
}

void LRScheduler::step_to(std::int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  apply_lrs(closed_form_lr());
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
  set_group_lrs(lrs);
  last_lr_ = group_lrs();
}

Value LRScheduler::state_dict() const {
  Value s = Value::dict();
  s["last_epoch"] = last_epoch_;
  s["base_lrs"] = Value::numbers(base_lrs_);
  s["_step_count"] = step_count_;
  s["_last_lr"] = Value::numbers(last_lr_);
  write_state(s);
  return s;
}

void LRScheduler::load_state_dict(const Value& state) {
  detail::StateReader in(std::string(type_name()) + ".load_state_dict");
  if (!state.is_dict()) in.problem("", std::string("expected an object, got ") + state.kind_name());
  const std::size_t groups = optimizer_.param_groups().size();
  // -1: a SequentialLR's later scheduler waits one epoch before its first milestone.
  std::int64_t last_epoch = in.integer(state, "", "last_epoch", -1, detail::kIntMax);
  std::int64_t step_count = in.integer(state, "", "_step_count", 0, detail::kIntMax);  // step() counts on
  std::vector<double> base_lrs = in.reals(state, "", "base_lrs", groups);
  std::vector<double> last_lr = in.reals(state, "", "_last_lr", groups);
  for (double lr : base_lrs)
    if (lr < 0.0) in.problem("base_lrs", detail::concat("a learning rate must be >= 0, got ", lr));
  read_state(in, state, false);
  std::vector<std::string> known;
  const Value mine = state_dict();  // (a temporary's as_dict() would dangle in the loop)
  for (const auto& [key, value] : mine.as_dict()) known.push_back(key);
  in.unexpected_keys(state, "", known);
  in.throw_if_problems();

  read_state(in, state, true);
  last_epoch_ = last_epoch;
  step_count_ = step_count;
  base_lrs_ = base_lrs;
  last_lr_ = last_lr;
}

}  // namespace xtgrad
