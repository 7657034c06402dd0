// Guide snippets: parameter groups, options, schedulers and their state. Compiled and run by CTest.
#include <cstdio>

#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

namespace {

struct Data {
  Tensor x = randn({64, 4});
  Tensor y = zeros({64, 1});
  Data() {
    for (std::size_t i = 0; i < 64; ++i) y.mutable_value()(i, 0) = x.value()(i, 1) > 0.0f ? 1.0f : 0.0f;
  }
};

float train_epoch(Module& net, Optimizer& optimizer, const Data& data) {
  optimizer.zero_grad();
  Tensor loss = binary_cross_entropy_with_logits(net(data.x), data.y);
  loss.backward();
  optimizer.step();
  return loss.item();
}

// Builds the optimizer and schedule of the guide; a resumed run builds them again, then loads.
struct Training {
  Sequential net{std::make_shared<Linear>(4, 16), std::make_shared<ReLU>(), std::make_shared<Linear>(16, 1)};
  std::unique_ptr<AdamW> optimizer;
  std::unique_ptr<SequentialLR> schedule;

  Training() {
    // [snippet:param-groups]
    // AdamW without weight decay on the biases: each group has its own options, and what a
    // group leaves unset (here lr and betas) comes from the defaults.
    std::vector<Tensor> weights, biases;
    for (const auto& [name, p] : net.named_parameters())
      (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
    optimizer = std::make_unique<AdamW>(
        std::vector<ParamGroup>{ParamGroup{weights}, ParamGroup{biases, AdamOptions().weight_decay(0)}},
        AdamOptions(3e-3).betas({0.9, 0.99}));  // weight_decay unset: AdamW's 1e-2 for the weights
    // [end-snippet]
    // [snippet:schedulers]
    // Warm up linearly over 5 epochs, then anneal by cosine over the next 45.
    auto warmup = std::make_shared<LinearLR>(*optimizer, /*start_factor=*/0.1, /*end_factor=*/1.0, /*total_iters=*/5);
    auto cosine = std::make_shared<CosineAnnealingLR>(*optimizer, /*T_max=*/45, /*eta_min=*/1e-5);
    schedule = std::make_unique<SequentialLR>(*optimizer, std::vector<std::shared_ptr<LRScheduler>>{warmup, cosine},
                                              std::vector<int>{5});
    // [end-snippet]
  }
};

bool groups_and_schedules() {
  manual_seed(0);
  Data data;
  Training run;
  float first = 0, last = 0;
  for (int epoch = 0; epoch < 50; ++epoch) {
    last = train_epoch(run.net, *run.optimizer, data);
    if (epoch == 0) first = last;
    run.schedule->step();  // once per epoch, after the optimizer's steps
  }
  std::printf("loss %.4f -> %.4f, lrs %g %g\n", first, last, run.schedule->get_last_lr()[0],
              run.schedule->get_last_lr()[1]);
  return last < first;
}

bool resume() {
  manual_seed(1);
  Data data;
  Training run;
  for (int epoch = 0; epoch < 20; ++epoch) {
    train_epoch(run.net, *run.optimizer, data);
    run.schedule->step();
  }
  Training resumed;  // as in a new process: same construction, then the saved state
  auto from = run.net.parameters(), to = resumed.net.parameters();  // the weights, as a checkpoint restores them
  for (std::size_t i = 0; i < from.size(); ++i) to[i].mutable_value() = from[i].value();
  // [snippet:state]
  // run: the training so far, and resumed: the same construction in a new process; each holds
  // the param-groups optimizer and the schedule above (struct Training, docs/snippets/optim.cpp).
  Value optimizer_state =
      run.optimizer->state_dict();  // {"state": {"0": {"step", "exp_avg", ...}}, "param_groups": [...]}
  Value schedule_state = run.schedule->state_dict();  // {"_milestones", "last_epoch", "_last_lr", "_schedulers": [...]}
  resumed.optimizer->load_state_dict(optimizer_state);  // all checked first: a bad state changes nothing
  resumed.schedule->load_state_dict(schedule_state);
  // [end-snippet]
  return resumed.optimizer->state_dict() == optimizer_state && resumed.schedule->state_dict() == schedule_state;
}

bool plateau() {
  manual_seed(2);
  Data data;
  Sequential net{std::make_shared<Linear>(4, 1)};
  SGD optimizer(net.parameters(), SGDOptions(0.1).momentum(0.9));
  // [snippet:plateau]
  ReduceLROnPlateauOptions options;
  options.factor = 0.5;  // halve the lr ...
  options.patience = 3;  // ... after more than 3 epochs without a 1e-4 relative improvement
  ReduceLROnPlateau on_plateau(optimizer, options);
  for (int epoch = 0; epoch < 100; ++epoch) {
    // Your epoch of training, returning its loss (docs/snippets/optim.cpp: one full-batch step).
    float loss = train_epoch(net, optimizer, data);
    on_plateau.step(loss);  // the metric watched; use a validation loss in practice
  }
  // [end-snippet]
  std::printf("lr after the plateaus: %g\n", on_plateau.get_last_lr()[0]);
  return on_plateau.get_last_lr()[0] <= 0.1;
}

}  // namespace

int main() {
  bool ok = groups_and_schedules();
  ok = resume() && ok;
  ok = plateau() && ok;
  return ok ? 0 : 1;
}
