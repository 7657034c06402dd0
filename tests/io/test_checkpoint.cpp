// Checkpoints: training resumed from one continues bit-identically, for every optimizer and
// scheduler; a checkpoint that does not fit is refused and changes nothing.
#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "xtgrad/io.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

// A model, its optimizer and schedulers, and the generator that draws mini-batches.
struct Run {
  std::shared_ptr<Sequential> model;
  std::unique_ptr<Optimizer> optimizer;
  std::vector<std::shared_ptr<Scheduler>> schedulers;
  std::function<void(double loss)> advance;  // one epoch of the schedulers
  Generator shuffle;

  Checkpoint checkpoint(std::int64_t epoch) {
    std::vector<Scheduler*> list;
    for (auto& s : schedulers) list.push_back(s.get());
    return {model.get(), optimizer.get(), list, &shuffle, epoch, epoch * 8};
  }
};

const char* const kSchedulers[] = {"none",         "StepLR",
                                   "MultiStepLR",  "ExponentialLR",
                                   "LinearLR",     "CosineAnnealingLR",
                                   "OneCycleLR",   "ReduceLROnPlateau",
                                   "SequentialLR", "LinearLR+CosineAnnealingLR"};

Run make_run(const std::string& optimizer, const std::string& scheduler, std::uint64_t seed) {
  Generator init(seed);
  Run run{std::make_shared<Sequential>(
              std::initializer_list<std::shared_ptr<Module>>{std::make_shared<Linear>(3, 8, true, init),
                                                             std::make_shared<Tanh>(),
                                                             std::make_shared<Linear>(8, 1, true, init)}),
          nullptr,
          {},
          nullptr,
          Generator(seed + 100)};
  // Two groups, as the common "no weight decay on biases" recipe: per-group state must survive too.
  std::vector<Tensor> weights, biases;
  for (auto& [name, p] : run.model->named_parameters())
    (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
  if (optimizer == "SGD")
    run.optimizer = std::make_unique<SGD>(std::vector<ParamGroup>{{weights}, {biases, SGDOptions().weight_decay(0)}},
                                          SGDOptions(0.05).momentum(0.9).weight_decay(1e-3).nesterov(true));
  else if (optimizer == "Adam")
    run.optimizer = std::make_unique<Adam>(std::vector<ParamGroup>{{weights}, {biases, AdamOptions().lr(0.02)}},
                                           AdamOptions(0.01).amsgrad(true));
  else
    run.optimizer = std::make_unique<AdamW>(std::vector<ParamGroup>{{weights}, {biases, AdamOptions().weight_decay(0)}},
                                            AdamOptions(0.01));
  Optimizer& opt = *run.optimizer;
  auto add = [&run](std::shared_ptr<LRScheduler> s) {
    run.schedulers.push_back(s);
    return s;
  };
  if (scheduler == "StepLR") add(std::make_shared<StepLR>(opt, 3, 0.5));
  if (scheduler == "MultiStepLR") add(std::make_shared<MultiStepLR>(opt, std::vector<int>{2, 5, 11}, 0.5));
  if (scheduler == "ExponentialLR") add(std::make_shared<ExponentialLR>(opt, 0.9));
  if (scheduler == "LinearLR") add(std::make_shared<LinearLR>(opt, 0.25, 1.0, 6));
  if (scheduler == "CosineAnnealingLR") add(std::make_shared<CosineAnnealingLR>(opt, 7, 1e-4));
  if (scheduler == "OneCycleLR") {
    OneCycleLROptions o;
    o.max_lr = {0.05};
    o.total_steps = 40;
    add(std::make_shared<OneCycleLR>(opt, o));
  }
  if (scheduler == "LinearLR+CosineAnnealingLR") {  // chained: both step every epoch
    add(std::make_shared<LinearLR>(opt, 0.25, 1.0, 4));
    add(std::make_shared<CosineAnnealingLR>(opt, 9));
  }
  for (auto& s : run.schedulers) {
    auto* lr = static_cast<LRScheduler*>(s.get());
    auto previous = run.advance;
    run.advance = [lr, previous](double loss) {
      if (previous) previous(loss);
      lr->step();
    };
  }
  if (scheduler == "ReduceLROnPlateau") {
    ReduceLROnPlateauOptions o;
    o.patience = 1;
    o.factor = 0.5;
    o.cooldown = 1;
    auto plateau = std::make_shared<ReduceLROnPlateau>(opt, o);
    run.schedulers.push_back(plateau);
    run.advance = [plateau](double loss) { plateau->step(loss > 0.3 ? 1.0 : loss); };  // plateaus early on
  }
  if (scheduler == "SequentialLR") {
    auto warmup = std::make_shared<LinearLR>(opt, 0.25, 1.0, 4);
    auto cosine = std::make_shared<CosineAnnealingLR>(opt, 9);
    auto sequential = std::make_shared<SequentialLR>(opt, std::vector<std::shared_ptr<LRScheduler>>{warmup, cosine},
                                                     std::vector<int>{4});
    run.schedulers.push_back(sequential);
    run.advance = [sequential](double) { sequential->step(); };
  }
  if (!run.advance) run.advance = [](double) {};
  return run;
}

// One epoch: a step on a random mini-batch drawn with the run's own generator, then the schedulers.
void train_epoch(Run& run, const Tensor& x, const Tensor& y) {
  std::size_t start = run.shuffle.below(x.size(0) - 8);
  run.optimizer->zero_grad();
  Tensor loss = binary_cross_entropy_with_logits((*run.model)(narrow(x, 0, start, 8)), narrow(y, 0, start, 8));
  loss.backward();
  run.optimizer->step();
  run.advance(loss.item());
}

struct Data {
  Tensor x, y;
  Data() {
    Generator g(5);
    x = randn({64, 3}, g);
    Array labels = Array::from_shape({64, 1});
    for (std::size_t i = 0; i < 64; ++i) labels(i, 0) = x.value()(i, 0) + x.value()(i, 1) > 0.0f ? 1.0f : 0.0f;
    y = Tensor(labels);
  }
};

}  // namespace

TEST_CASE("checkpoint: resuming is bit-identical for every optimizer and scheduler") {
  Data data;
  for (std::string optimizer : {"SGD", "Adam", "AdamW"}) {
    for (std::string scheduler : kSchedulers) {
      CAPTURE(optimizer);
      CAPTURE(scheduler);
      TempDir dir;
      Run straight = make_run(optimizer, scheduler, 1);
      for (int epoch = 0; epoch < 20; ++epoch) {
        if (epoch == 10) {
          Checkpoint c = straight.checkpoint(10);
          c.metadata = {{"note", "half way"}};
          save_checkpoint(dir.file("ckpt.json"), c);
        }
        train_epoch(straight, data.x, data.y);
      }
      Run resumed = make_run(optimizer, scheduler, 77);  // other weights and generator until loaded
      Checkpoint c = resumed.checkpoint(0);
      load_checkpoint(dir.file("ckpt.json"), c);
      CHECK(c.epoch == 10);
      CHECK(c.step == 80);
      CHECK(c.metadata["note"] == "half way");
      for (int epoch = 10; epoch < 20; ++epoch) train_epoch(resumed, data.x, data.y);
      // The weights files of both runs are byte-equal, and so are the lrs.
      save_weights(*straight.model, dir.file("straight.json"));
      save_weights(*resumed.model, dir.file("resumed.json"));
      CHECK(read_text(dir.file("straight.json")) == read_text(dir.file("resumed.json")));
      for (std::size_t i = 0; i < straight.schedulers.size(); ++i)
        CHECK(straight.schedulers[i]->get_last_lr() == resumed.schedulers[i]->get_last_lr());
      CHECK(to_string(straight.optimizer->state_dict()) == to_string(resumed.optimizer->state_dict()));
    }
  }
}

TEST_CASE("checkpoint: one that does not fit the objects is refused with every problem, and changes nothing") {
  TempDir dir;
  Data data;
  Run run = make_run("Adam", "StepLR", 1);
  train_epoch(run, data.x, data.y);
  save_checkpoint(dir.file("adam.json"), run.checkpoint(1));

  Run sgd = make_run("SGD", "CosineAnnealingLR", 3);
  Array before = sgd.model->parameters()[0].value();
  Checkpoint c = sgd.checkpoint(0);
  CHECK_THROWS_WITH_AS(load_checkpoint(dir.file("adam.json"), c),
                       (dir.file("adam.json") + ": the checkpoint holds Adam optimizer state but the optimizer is SGD; "
                                                "schedulers[0] is StepLR but the scheduler given is CosineAnnealingLR")
                           .c_str(),
                       std::invalid_argument);
  CHECK(sgd.model->parameters()[0].value() == before);

  // A bad optimizer tensor: the model was restored first, and is put back.
  Json j = read_json_file(dir.file("adam.json"));
  j["optimizer"]["state"]["state"]["0"]["exp_avg"]["shape"] = {2, 2};
  j["optimizer"]["state"]["state"]["0"]["exp_avg"]["data"] = {1, 2, 3, 4};
  std::string corrupt = dir.write("corrupt.json", j.dump());
  Run other = make_run("Adam", "StepLR", 4);
  Array other_before = other.model->parameters()[0].value();
  std::string optimizer_before = to_string(other.optimizer->state_dict());
  std::string scheduler_before = to_string(other.schedulers[0]->state_dict());
  std::string generator_before = other.shuffle.state();
  Checkpoint d = other.checkpoint(0);
  CHECK_THROWS_WITH_AS(load_checkpoint(corrupt, d), doctest::Contains((corrupt + ": ").c_str()), std::invalid_argument);
  CHECK_THROWS_WITH_AS(load_checkpoint(corrupt, d), doctest::Contains("[2, 2]"), std::invalid_argument);
  CHECK(other.model->parameters()[0].value() == other_before);
  CHECK(to_string(other.optimizer->state_dict()) == optimizer_before);
  CHECK(to_string(other.schedulers[0]->state_dict()) == scheduler_before);
  CHECK(other.shuffle.state() == generator_before);
  CHECK(d.epoch == 0);

  // A scheduler state that does not fit: the model and optimizer already restored are put back.
  Json k = read_json_file(dir.file("adam.json"));
  k["schedulers"][0]["state"]["last_epoch"] = "ten";
  std::string bad_scheduler = dir.write("scheduler.json", k.dump());
  CHECK_THROWS_WITH_AS(load_checkpoint(bad_scheduler, d), doctest::Contains("last_epoch"), std::invalid_argument);
  CHECK(other.model->parameters()[0].value() == other_before);
  CHECK(to_string(other.optimizer->state_dict()) == optimizer_before);
}

TEST_CASE("generator: state round-trips, including a cached normal") {
  Generator a(9);
  a.normal();  // leaves a spare normal cached
  Generator b(1);
  b.set_state(a.state());
  for (int i = 0; i < 5; ++i) CHECK(a.normal() == b.normal());
  CHECK_THROWS_AS(b.set_state("not a state"), std::invalid_argument);
  // A cached normal that is NaN (bits 2143289344) or infinite would be the next sample: refused.
  std::string state = a.state();
  std::string words = state.substr(0, state.rfind(' ', state.rfind(' ') - 1));  // without "<has_spare> <bits>"
  CHECK_THROWS_WITH_AS(b.set_state(words + " 1 2143289344"),
                       "Generator::set_state: the cached normal is nan (bits 2143289344); normal() caches finite "
                       "values only",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(b.set_state(words + " 1 2139095040"), doctest::Contains("is inf (bits 2139095040)"),
                       std::invalid_argument);
  CHECK(b.state() == a.state());         // unchanged
  b.set_state(words + " 0 2143289344");  // not cached: the bits are kept but never drawn
  CHECK(std::isfinite(b.normal()));
}

TEST_CASE("checkpoint: fields of the wrong type are reported, not thrown as JSON type errors") {
  TempDir dir;
  Run run = make_run("SGD", "StepLR", 1);
  Checkpoint c = run.checkpoint(0);
  for (std::string text :
       {"{\"format\": 1}", "[]", "{\"format\": \"xtgrad-checkpoint\", \"version\": \"2\"}",
        "{\"format\": \"xtgrad-checkpoint\", \"version\": 2, \"epoch\": 0, \"optimizer\": {\"type\": 5}}",
        "{\"format\": \"xtgrad-checkpoint\", \"version\": 2, \"epoch\": 0, \"step\": 0, \"weights\": 1, "
        "\"optimizer\": {\"type\": \"SGD\", \"state\": []}, \"schedulers\": [{\"type\": \"StepLR\"}]}"}) {
    CAPTURE(text);
    std::string path = dir.write("c.json", text);
    CHECK_THROWS_AS(load_checkpoint(path, c), std::invalid_argument);
  }
}

TEST_CASE("checkpoint: counters past what the objects can count on from are refused, naming them") {
  // Well-formed files whose counters are at the largest int64: loaded, the next training step
  // or scheduler step would overflow them (fuzz_checkpoint found each).
  TempDir dir;
  Data data;
  Run adam = make_run("Adam", "StepLR", 1);
  train_epoch(adam, data.x, data.y);
  Checkpoint c = adam.checkpoint(1);
  save_checkpoint(dir.file("good.json"), c);
  const Json good = read_json_file(dir.file("good.json"));
  auto refused = [&](const char* what, auto mutate, const std::string& expected) {
    CAPTURE(what);
    Json j = good;
    mutate(j);
    std::string path = dir.write("bad.json", j.dump());
    std::string before = to_string(adam.optimizer->state_dict()) + to_string(adam.schedulers[0]->state_dict());
    CHECK_THROWS_WITH_AS(load_checkpoint(path, c), doctest::Contains(expected.c_str()), std::invalid_argument);
    CHECK(to_string(adam.optimizer->state_dict()) + to_string(adam.schedulers[0]->state_dict()) == before);
  };
  refused(
      "Adam's step", [](Json& j) { j["optimizer"]["state"]["state"]["0"]["step"] = INT64_MAX; },
      "state.0.step: expected an integer from 0 to 9007199254740992, got 9223372036854775807");
  refused(
      "a scheduler's _step_count", [](Json& j) { j["schedulers"][0]["state"]["_step_count"] = INT64_MAX; },
      "_step_count: expected an integer from 0 to 2147483647, got 9223372036854775807");
  // The checkpoint's own counters were read through int64, so 2^64 - 1 came back as -1.
  refused(
      "the epoch", [](Json& j) { j["epoch"] = UINT64_MAX; },
      "\"epoch\" must fit a signed 64-bit integer, got 18446744073709551615");
  CHECK(c.epoch == 1);
}

TEST_CASE("checkpoint: more_generators (a Dropout's own) resume bit for bit beside the shuffling one") {
  // Two generators drive the run: `shuffle` picks the mini-batches, `masks` the Dropout's masks.
  struct DropoutRun {
    std::shared_ptr<Generator> masks = std::make_shared<Generator>(11);
    Generator shuffle{12};
    std::shared_ptr<Sequential> model;
    std::unique_ptr<SGD> optimizer;
    DropoutRun() {
      Generator init(13);
      model = std::make_shared<Sequential>();
      model->push_back(std::make_shared<Linear>(3, 8, true, init));
      model->push_back(std::make_shared<Dropout>(0.5, masks));
      model->push_back(std::make_shared<Linear>(8, 1, true, init));
      optimizer = std::make_unique<SGD>(model->parameters(), 0.1, 0.9);
    }
    Checkpoint checkpoint() {
      return {model.get(), optimizer.get(), {}, &shuffle, 0, 0, Json::object(), {masks.get()}};
    }
    void epoch(const Data& data) {
      std::size_t start = shuffle.below(data.x.size(0) - 8);
      optimizer->zero_grad();
      binary_cross_entropy_with_logits((*model)(narrow(data.x, 0, start, 8)), narrow(data.y, 0, start, 8)).backward();
      optimizer->step();
    }
  };
  TempDir dir;
  Data data;
  DropoutRun straight, first;
  for (int e = 0; e < 6; ++e) straight.epoch(data);
  for (int e = 0; e < 3; ++e) first.epoch(data);
  save_checkpoint(dir.file("two.json"), first.checkpoint());
  DropoutRun resumed;
  Checkpoint c = resumed.checkpoint();
  load_checkpoint(dir.file("two.json"), c);
  CHECK(resumed.masks->state() == first.masks->state());
  for (int e = 0; e < 3; ++e) resumed.epoch(data);
  for (std::size_t i = 0; i < straight.model->parameters().size(); ++i)
    CHECK(resumed.model->parameters()[i].value() == straight.model->parameters()[i].value());

  // The file must hold as many as are given; and a null pointer is refused, naming it.
  Checkpoint fewer{resumed.model.get(), resumed.optimizer.get(), {}, &resumed.shuffle};
  CHECK_THROWS_WITH_AS(load_checkpoint(dir.file("two.json"), fewer),
                       (dir.file("two.json") + ": the checkpoint holds 1 more generators but 0 were given").c_str(),
                       std::invalid_argument);
  c.more_generators.push_back(nullptr);
  CHECK_THROWS_WITH_AS(save_checkpoint(dir.file("null.json"), c), "save_checkpoint: more_generators[1] is null",
                       std::invalid_argument);
}
