// Scheduler state dicts: a run restored mid-way (optimizer and scheduler) continues
// bit-identically to the uninterrupted one; corrupt state is refused and changes nothing.
#include <cstring>
#include <limits>

#include "optim/scheduler_cases.hpp"
#include "support/errors.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

// A run of a fixture case in which the parameters move: loss = Σ_g (p_g − 1)², one step per epoch.
struct Run {
  std::vector<Tensor> params;
  std::unique_ptr<Optimizer> optimizer;
  CaseSchedulers schedulers;

  explicit Run(const Json& c) {
    for (std::size_t i = 0; i < c.at("group_lrs").size(); ++i) params.push_back(full({3}, 0.5f * float(i + 1), true));
    optimizer = make_case_optimizer(c, params);
    schedulers = make_case_schedulers(*optimizer, c);
  }
  void epoch(const Json& c, std::size_t e) {
    optimizer->zero_grad();
    Tensor loss = scalar(0.0f);
    for (const Tensor& p : params) loss = loss + sum((p - 1.0f) * (p - 1.0f));
    loss.backward();
    optimizer->step();
    schedulers.step(case_metric(c, e));
  }
};

}  // namespace

TEST_CASE("scheduler state_dict: a resumed run continues bit-identically, for every scheduler") {
  for (const Json& c : fixture_cases("schedulers.json", "cases")) {
    std::string name = c.at("name");
    CAPTURE(name);
    const std::size_t epochs = c.at("lrs").size(), stop = 23;
    Run straight(c);
    Value optimizer_state;
    std::vector<Value> scheduler_states;
    std::vector<Array> weights;
    for (std::size_t e = 0; e < epochs; ++e) {
      if (e == stop) {
        optimizer_state = straight.optimizer->state_dict();
        for (auto& s : straight.schedulers.all) scheduler_states.push_back(s->state_dict());
        for (auto& p : straight.params) weights.push_back(p.value());
      }
      straight.epoch(c, e);
    }

    Run resumed(c);  // as after a restart: fresh optimizer and schedulers, then the saved state
    for (std::size_t i = 0; i < weights.size(); ++i) resumed.params[i].mutable_value() = weights[i];
    resumed.optimizer->load_state_dict(optimizer_state);
    for (std::size_t i = 0; i < scheduler_states.size(); ++i) {
      resumed.schedulers.all[i]->load_state_dict(scheduler_states[i]);
      CHECK(resumed.schedulers.all[i]->state_dict() == scheduler_states[i]);
    }
    for (std::size_t e = stop; e < epochs; ++e) resumed.epoch(c, e);

    for (std::size_t g = 0; g < straight.params.size(); ++g) {
      CHECK(std::memcmp(straight.params[g].value().data(), resumed.params[g].value().data(), 3 * sizeof(float)) == 0);
      CHECK(straight.optimizer->param_groups()[g].options().lr() ==
            resumed.optimizer->param_groups()[g].options().lr());
    }
    CHECK(straight.optimizer->state_dict() == resumed.optimizer->state_dict());
    CHECK(straight.schedulers.all.back()->state_dict() == resumed.schedulers.all.back()->state_dict());
  }
}

TEST_CASE("scheduler state_dict: corrupt state is refused with every problem named, and changes nothing") {
  const Json& cases = fixture_cases("schedulers.json", "cases");
  auto find = [&](const std::string& prefix) -> const Json& {
    for (const Json& c : cases)
      if (c.at("name").get<std::string>().rfind(prefix, 0) == 0) return c;
    throw std::runtime_error("no case " + prefix);
  };
  auto refused = [&](const Json& c, auto mutate, std::vector<std::string> expected) {
    Run run(c);
    for (std::size_t e = 0; e < 7; ++e) run.epoch(c, e);
    Scheduler& s = *run.schedulers.all.back();
    const Value good = s.state_dict();
    const Value optimizer_before = run.optimizer->state_dict();
    Value bad = good;
    mutate(bad);
    std::string error = error_of([&] { s.load_state_dict(bad); });
    CAPTURE(error);
    CHECK(error.rfind(std::string(s.type_name()) + ".load_state_dict: ", 0) == 0);
    for (const std::string& e : expected) CHECK(contains(error, e));
    CHECK(s.state_dict() == good);
    CHECK(run.optimizer->state_dict() == optimizer_before);
  };
  const Json& step = find("StepLR");
  refused(step, [](Value& v) { erase_key(v, "last_epoch"); }, {"last_epoch: missing"});
  refused(step, [](Value& v) { v["base_lrs"] = Value::numbers({0.1}); }, {"base_lrs: expected 2 numbers, got 1"});
  refused(step,
          [](Value& v) {
            v["gamma"] = "half";
            v["step_size"] = 0;
            v["extra"] = 1;
          },
          {"gamma: expected a finite number, got a string \"half\"",
           "step_size: expected an integer from 1 to 2147483647, got 0", "extra: unexpected key"});
  refused(step, [](Value& v) { v = Value::list(); }, {"expected an object, got a list"});
  refused(find("MultiStepLR"), [](Value& v) { v["milestones"] = Value::numbers({1.5}); },
          {"milestones[0]: expected an integer, got a number 1.5"});
  refused(find("LinearLR warm-up"), [](Value& v) { v["start_factor"] = 2.0; }, {"Starting multiplicative factor"});
  refused(find("CosineAnnealingLR"), [](Value& v) { v["_step_count"] = -2; },
          {"_step_count: expected an integer from 0 to 2147483647, got -2"});
  // Counters that step() counts on from: one more than the largest int64 would overflow
  // (fuzz_checkpoint found each of these).
  const std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
  refused(find("CosineAnnealingLR"), [&](Value& v) { v["_step_count"] = int64_max; },
          {"_step_count: expected an integer from 0 to 2147483647, got 9223372036854775807"});
  refused(find("ReduceLROnPlateau min"),
          [&](Value& v) {
            v["num_bad_epochs"] = int64_max;
            v["last_epoch"] = int64_max;
          },
          {"num_bad_epochs: expected an integer from 0 to 2147483647, got 9223372036854775807",
           "last_epoch: expected an integer from 0 to 2147483647, got 9223372036854775807"});
  refused(find("SequentialLR: three"), [&](Value& v) { v["last_epoch"] = int64_max; },
          {"last_epoch: expected an integer from 0 to 2147483647, got 9223372036854775807"});
  refused(find("OneCycleLR cos"),
          [](Value& v) {
            v["anneal_strategy"] = "exp";
            v["max_lrs"] = Value::numbers({0.1, 0.2, 0.3});
          },
          {"anneal_strategy: must be \"cos\" or \"linear\", got \"exp\"", "max_lrs: expected 2 numbers, got 3"});
  // What step() writes into the optimizer passes the optimizer's own checks: a beta1 of 1
  // would make Adam's bias correction 0, and its update infinite.
  refused(find("OneCycleLR linear three-phase, Adam beta1"),
          [](Value& v) {
            v["max_momentums"] = Value::numbers({0.95, 1.0});
            v["min_lrs"] = Value::numbers({-0.5, 0.0});
          },
          {"max_momentums[1]: invalid beta parameter at index 0: 1", "min_lrs[0]: invalid learning rate: -0.5"});
  refused(find("ReduceLROnPlateau min"),
          [](Value& v) {
            v["mode"] = "median";
            v["best"] = "huge";
          },
          {"best: expected a number, \"inf\" or \"-inf\", got \"huge\""});
  refused(find("ReduceLROnPlateau min"), [](Value& v) { v["mode"] = "median"; }, {"mode: mode median is unknown!"});
  refused(find("SequentialLR: three"), [](Value& v) { v["_schedulers"].as_list()[2]["gamma"] = -1.0; },
          {"_schedulers[2]: StepLR.load_state_dict: gamma: must be positive, got -1"});
  refused(find("SequentialLR: three"), [](Value& v) { v["_schedulers"].as_list().pop_back(); },
          {"_schedulers: expected 3 states, got 2"});
}

TEST_CASE("ReduceLROnPlateau: best before any improvement is saved as \"inf\" (JSON has no infinity)") {
  Tensor p = zeros({1}, true);
  SGD sgd({p}, 0.1);
  ReduceLROnPlateau plateau(sgd);
  CHECK(plateau.state_dict().at("best") == Value("inf"));
  plateau.step(NAN);  // NaN never improves
  CHECK(plateau.num_bad_epochs() == 1);
  Value saved = plateau.state_dict();
  plateau.step(0.5);
  CHECK(plateau.best() == 0.5);
  plateau.load_state_dict(saved);
  CHECK(std::isinf(plateau.best()));
  CHECK(plateau.state_dict() == saved);
}
