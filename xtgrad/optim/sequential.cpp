// SequentialLR, following torch/optim/lr_scheduler.py (PyTorch 1.13) line by line.
#include "xtgrad/optim/sequential.hpp"

#include <algorithm>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/optim/detail/state_reader.hpp"

namespace xtgrad {

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int> milestones)
    : Scheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(milestones.begin(), milestones.end()) {
  XTGRAD_CHECK(!schedulers_.empty(), "SequentialLR", "expects at least one scheduler");
  for (std::size_t i = 0; i < schedulers_.size(); ++i)
    XTGRAD_CHECK(schedulers_[i] && &schedulers_[i]->optimizer() == &optimizer, "SequentialLR",
                 "Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at "
                 "index ",
                 i, " to be different than the optimizer passed in.");
  XTGRAD_CHECK(milestones_.size() == schedulers_.size() - 1, "SequentialLR",
               "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
               "milestone points, but got number of schedulers ",
               schedulers_.size(), " and the number of milestones to be equal to ", milestones_.size());
  XTGRAD_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()), "SequentialLR", "milestones must be increasing");
  // Each scheduler's constructor already stepped to its epoch 0. Reset the lrs to initial_lr,
  // rewind every scheduler by one epoch and redo only the first one's initial step.
  for (std::size_t i = 0; i < optimizer.param_groups().size(); ++i) {
    OptimizerOptions& o = optimizer.param_group(i).options();
    o.set_lr(o.initial_lr());
  }
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_epoch_ = 0;
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  last_epoch_ += 1;
  auto idx =
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();  // bisect_right
  LRScheduler& scheduler = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) scheduler.step_to(0);
  else scheduler.step();
  last_lr_ = scheduler.get_last_lr();
}

Value SequentialLR::state_dict() const {
  Value s = Value::dict();
  Value milestones = Value::list(), schedulers = Value::list();
  for (std::int64_t m : milestones_) milestones.push_back(m);
  for (const auto& scheduler : schedulers_) schedulers.push_back(scheduler->state_dict());
  s["_milestones"] = std::move(milestones);
  s["last_epoch"] = last_epoch_;
  s["_last_lr"] = Value::numbers(last_lr_);
  s["_schedulers"] = std::move(schedulers);
  return s;
}

void SequentialLR::load_state_dict(const Value& state) {
  detail::StateReader in("SequentialLR.load_state_dict");
  if (!state.is_dict()) in.problem("", std::string("expected an object, got ") + state.kind_name());
  std::vector<std::int64_t> milestones = in.integers(state, "", "_milestones");
  if (state.contains("_milestones") && milestones.size() != milestones_.size())
    in.problem("_milestones", detail::concat("expected ", milestones_.size(), " milestones, got ", milestones.size()));
  if (!std::is_sorted(milestones.begin(), milestones.end())) in.problem("_milestones", "must be increasing");
  std::int64_t last_epoch = in.integer(state, "", "last_epoch", 0, detail::kIntMax);  // step() counts on
  std::vector<double> last_lr = in.reals(state, "", "_last_lr", optimizer_.param_groups().size());
  const Value& saved = in.list(state, "", "_schedulers");
  if (saved.is_list() && saved.size() != schedulers_.size())
    in.problem("_schedulers", detail::concat("expected ", schedulers_.size(), " states, got ", saved.size()));
  in.unexpected_keys(state, "", {"_milestones", "last_epoch", "_last_lr", "_schedulers"});
  in.throw_if_problems();

  // Each scheduler checks its own state; restore them only when all pass.
  std::vector<Value> before;
  for (const auto& s : schedulers_) before.push_back(s->state_dict());
  std::size_t i = 0;
  try {
    for (; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(saved[i]);
  } catch (const std::invalid_argument& e) {
    for (std::size_t j = 0; j < i; ++j) schedulers_[j]->load_state_dict(before[j]);
    throw std::invalid_argument(detail::concat("SequentialLR.load_state_dict: _schedulers[", i, "]: ", e.what()));
  }
  milestones_ = milestones;
  last_epoch_ = last_epoch;
  last_lr_ = last_lr;
}

}  // namespace xtgrad
