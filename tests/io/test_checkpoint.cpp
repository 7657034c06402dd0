// Checkpoints: training resumed from one continues bit-identically; bad checkpoints change nothing.
#include <cstring>

#include "support/temp_dir.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

struct Run {
  std::shared_ptr<Sequential> model;
  std::unique_ptr<Optimizer> optimizer;
  Generator shuffle;
};

Run make_run(const std::string& kind, std::uint64_t seed) {
  Generator init(seed);
  Run run{std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{std::make_shared<Linear>(3, 8, true, init), std::make_shared<Tanh>(),
                                                  std::make_shared<Linear>(8, 1, true, init)}),
          nullptr, Generator(seed + 100)};
  AdamOptions adam = AdamOptions(0.01).amsgrad(true);
  if (kind == "SGD") run.optimizer = std::make_unique<SGD>(run.model->parameters(), 0.05, 0.9, 0.0, 1e-3, true);
  else if (kind == "Adam") run.optimizer = std::make_unique<Adam>(run.model->parameters(), adam);
  else run.optimizer = std::make_unique<AdamW>(run.model->parameters(), adam);
  return run;
}

// One step on a random mini-batch drawn with the run's own generator.
void train_step(Run& run, const Tensor& x, const Tensor& y) {
  std::size_t start = run.shuffle.below(x.size(0) - 8);
  run.optimizer->zero_grad();
  binary_cross_entropy_with_logits((*run.model)(narrow(x, 0, start, 8)), narrow(y, 0, start, 8)).backward();
  run.optimizer->step();
}

}  // namespace

TEST_CASE("checkpoint: resuming continues bit-identically to never stopping (SGD, Adam, AdamW)") {
  Generator data(5);
  Tensor x = randn({64, 3}, data);
  Tensor y = Tensor(xt::cast<float>(xt::sum(x.value(), {1}, xt::evaluation_strategy::immediate) > 0.0f));
  y = reshape(y, {64, 1});
  for (std::string kind : {"SGD", "Adam", "AdamW"}) {
    CAPTURE(kind);
    TempDir dir;
    Run straight = make_run(kind, 1);
    for (int step = 0; step < 20; ++step) {
      if (step == 10) save_checkpoint(dir.file("ckpt.json"), *straight.model, *straight.optimizer, 10, straight.shuffle,
                                      {{"note", "half way"}});
      train_step(straight, x, y);
    }
    Run resumed = make_run(kind, 77);  // different weights and generator until loaded
    CheckpointInfo info = load_checkpoint(dir.file("ckpt.json"), *resumed.model, *resumed.optimizer, resumed.shuffle);
    CHECK(info.epoch == 10);
    CHECK(info.metadata["note"] == "half way");
    for (int step = 10; step < 20; ++step) train_step(resumed, x, y);
    auto a = straight.model->named_parameters(), b = resumed.model->named_parameters();
    for (std::size_t i = 0; i < a.size(); ++i) {
      CAPTURE(a[i].first);
      CHECK(std::memcmp(a[i].second.value().data(), b[i].second.value().data(), a[i].second.numel() * 4) == 0);
    }
  }
}

TEST_CASE("checkpoint: a mismatched or corrupt checkpoint is rejected and changes nothing") {
  TempDir dir;
  Run run = make_run("Adam", 1);
  Generator data(2);
  Tensor x = randn({16, 3}, data), y = zeros({16, 1});
  train_step(run, x, y);
  save_checkpoint(dir.file("adam.json"), *run.model, *run.optimizer, 1, run.shuffle);

  Run sgd = make_run("SGD", 3);
  Array before = sgd.model->parameters()[0].value();
  CHECK_THROWS_WITH_AS(load_checkpoint(dir.file("adam.json"), *sgd.model, *sgd.optimizer, sgd.shuffle),
                       (dir.file("adam.json") + ": the checkpoint holds Adam state but the optimizer is SGD").c_str(),
                       std::invalid_argument);
  CHECK(sgd.model->parameters()[0].value() == before);

  Json j = read_json_file(dir.file("adam.json"));
  j["optimizer"]["state"][0]["exp_avg"]["shape"] = {2, 2};
  std::string corrupt = dir.write("corrupt.json", j.dump());
  Run other = make_run("Adam", 4);
  Array other_before = other.model->parameters()[0].value();
  std::string generator_before = other.shuffle.state();
  CHECK_THROWS_WITH_AS(load_checkpoint(corrupt, *other.model, *other.optimizer, other.shuffle),
                       (corrupt + ": optimizer.state[0].exp_avg: shape [2, 2] in the file, but the model expects [8, 3]").c_str(),
                       std::invalid_argument);
  CHECK(other.model->parameters()[0].value() == other_before);
  CHECK(other.optimizer->param_groups()[0].options().lr() == 0.01);
  CHECK(other.shuffle.state() == generator_before);

  Adam mismatched(other.model->parameters(), AdamOptions().betas({0.5, 0.999}).amsgrad(true));
  CHECK_THROWS_AS(load_checkpoint(dir.file("adam.json"), *other.model, mismatched, other.shuffle), std::invalid_argument);
}

TEST_CASE("generator: state round-trips, including a cached normal") {
  Generator a(9);
  a.normal();  // leaves a spare normal cached
  Generator b(1);
  b.set_state(a.state());
  for (int i = 0; i < 5; ++i) CHECK(a.normal() == b.normal());
  CHECK_THROWS_AS(b.set_state("not a state"), std::invalid_argument);
}

TEST_CASE("checkpoint: fields of the wrong type are reported, not thrown as JSON type errors") {
  TempDir dir;
  Run run = make_run("SGD", 1);
  for (std::string text : {"{\"format\": 1}", "[]", "{\"format\": \"xtgrad-checkpoint\", \"version\": 1, \"epoch\": 0, "
                                                    "\"optimizer\": {\"type\": 5}}"}) {
    CAPTURE(text);
    std::string path = dir.write("c.json", text);
    CHECK_THROWS_AS(load_checkpoint(path, *run.model, *run.optimizer, run.shuffle), std::invalid_argument);
  }
}
