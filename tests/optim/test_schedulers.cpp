// Every scheduler's lr (and momentum) sequence over 60 epochs against PyTorch 1.13, on two
// parameter groups with different lrs; validation of their settings.
#include "optim/scheduler_cases.hpp"
#include "support/errors.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

TEST_CASE("schedulers: lr and momentum sequences match PyTorch over 60 epochs") {
  for (const Json& c : fixture_cases("schedulers.json", "cases")) {
    std::string name = c.at("name");
    CAPTURE(name);
    std::vector<Tensor> params;
    for (std::size_t i = 0; i < c.at("group_lrs").size(); ++i) params.push_back(zeros({1}, true));
    auto opt = make_case_optimizer(c, params);
    CaseSchedulers schedulers = make_case_schedulers(*opt, c);
    const std::size_t epochs = c.at("lrs").size();
    REQUIRE(epochs >= 50);
    for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
      CAPTURE(epoch);
      for (std::size_t g = 0; g < params.size(); ++g) {
        const OptimizerOptions& o = opt->param_groups()[g].options();
        CHECK(o.lr() == doctest::Approx(c.at("lrs")[epoch][g].get<double>()).epsilon(1e-12));
        CHECK(o.get_momentum() == doctest::Approx(c.at("momentums")[epoch][g].get<double>()).epsilon(1e-12));
      }
      opt->step();
      schedulers.step(case_metric(c, epoch));
      for (std::size_t g = 0; g < params.size(); ++g)
        CHECK(schedulers.all.back()->get_last_lr()[g] ==
              doctest::Approx(c.at("last_lrs")[epoch][g].get<double>()).epsilon(1e-12));
    }
    // The state dict keeps PyTorch's names for what both have.
    Value state = schedulers.all.back()->state_dict();
    for (const auto& [key, value] : c.at("state_dict_end").items()) {
      CAPTURE_BINDING(key);
      REQUIRE(state.contains(key));
      std::string why;
      CHECK_MESSAGE(same_as_torch(state.at(key), value, key, why), why);
    }
  }
}

TEST_CASE("schedulers: initial_lr is set once, so a second scheduler sees the first one's base") {
  Tensor p = zeros({1}, true);
  SGD sgd({p}, 0.1);
  StepLR first(sgd, 2, 0.5);
  sgd.step();
  first.step();
  first.step();  // lr 0.05
  ExponentialLR second(sgd, 0.9);
  CHECK(second.base_lrs() == std::vector<double>{0.1});
  CHECK(sgd.param_groups()[0].options().initial_lr() == 0.1);
  CHECK(sgd.param_groups()[0].options().lr() == doctest::Approx(0.05));
  CHECK(
      to_string(sgd.state_dict().at("param_groups")[0]) ==
      R"({"lr": 0.050000000000000003, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": false, "initial_lr": 0.10000000000000001, "params": [0]})");
}

TEST_CASE("schedulers: invalid settings are refused with PyTorch's reasons") {
  Tensor p = zeros({1}, true), q = zeros({1}, true);
  SGD sgd({p}, 0.1);
  CHECK_THROWS_AS(StepLR(sgd, 0), std::invalid_argument);
  CHECK_THROWS_AS(CosineAnnealingLR(sgd, 0), std::invalid_argument);
  CHECK_THROWS_AS(ExponentialLR(sgd, -1.0), std::invalid_argument);
  CHECK_THROWS_WITH_AS(LinearLR(sgd, 0.0),
                       "LinearLR: start_factor: Starting multiplicative factor expected to be greater than 0 and less "
                       "or equal to 1, got 0",
                       std::invalid_argument);
  OneCycleLROptions one;
  one.max_lr = {0.1, 0.2};
  CHECK_THROWS_WITH_AS(OneCycleLR(sgd, one),
                       "OneCycleLR: You must define either total_steps OR (epochs AND steps_per_epoch); expected 1 "
                       "values for max_lr, got 2",
                       std::invalid_argument);
  one.max_lr = {0.1};
  one.total_steps = 10;
  one.anneal_strategy = "exp";
  CHECK(contains(error_of([&] { OneCycleLR(sgd, one); }),
                 "anneal_strategy must by one of 'cos' or 'linear', instead got exp"));
  one.anneal_strategy = "cos";
  OneCycleLR cycle(sgd, one);
  for (int i = 0; i < 10; ++i) cycle.step();
  CHECK_THROWS_WITH_AS(cycle.step(), "OneCycleLR: Tried to step 12 times. The specified number of total steps is 10",
                       std::invalid_argument);
  CHECK(cycle.last_epoch() == 10);  // unchanged by the refused step

  ReduceLROnPlateauOptions plateau;
  plateau.factor = 1.0;
  plateau.mode = "median";
  CHECK_THROWS_WITH_AS(
      ReduceLROnPlateau(sgd, plateau),
      "ReduceLROnPlateau: factor: Factor should be < 1.0 (and >= 0), got 1; mode: mode median is unknown!",
      std::invalid_argument);
  SGD other({q}, 0.1);
  auto mine = std::make_shared<StepLR>(sgd, 2), theirs = std::make_shared<StepLR>(other, 2);
  CHECK(contains(error_of([&] { SequentialLR(sgd, {mine, theirs}, {3}); }), "to belong to the same optimizer"));
  CHECK(contains(error_of([&] { SequentialLR(sgd, {mine}, {3}); }), "number of schedulers provided to be one more"));
  sgd.add_param_group(ParamGroup{{zeros({1}, true)}});
  CHECK_THROWS_WITH_AS(mine->step(),
                       "StepLR: the optimizer has 2 parameter groups, but the scheduler was made for 1 (add groups "
                       "before making schedulers)",
                       std::invalid_argument);
}
