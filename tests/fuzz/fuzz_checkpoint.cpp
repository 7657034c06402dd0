// libFuzzer target: the input is a checkpoint, loaded with load_checkpoint() into a fixed model
// and the optimizer and schedulers the file names (so every optimizer's and scheduler's state
// loader is reached). A load that fails must change nothing; one that succeeds must leave
// objects that save back to the same state, draw finite numbers, train, and step their schedulers.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "fuzz_support.hpp"

using namespace xtgrad;
using namespace xtgrad::fuzz;

namespace {

struct Objects {
  std::shared_ptr<Sequential> model;
  std::unique_ptr<Optimizer> optimizer;
  std::vector<std::shared_ptr<Scheduler>> schedulers;
  Generator generator{0};
  std::vector<Generator> more_generators;  // as many as the file's "generators" (at most 4)

  Checkpoint checkpoint() {
    std::vector<Scheduler*> list;
    for (auto& s : schedulers) list.push_back(s.get());
    std::vector<Generator*> more;
    for (Generator& g : more_generators) more.push_back(&g);
    return {model.get(), optimizer.get(), list, &generator, 0, 0, Json::object(), more};
  }
  // Everything loading may change, as text: equal text means equal state.
  std::string snapshot() const {
    std::string out;
    for (const auto& [name, t] : model->state_dict())
      out += name + std::string(reinterpret_cast<const char*>(t.value().data()), t.numel() * sizeof(float));
    if (optimizer) out += to_string(optimizer->state_dict());
    for (const auto& s : schedulers) out += to_string(s->state_dict());
    for (const Generator& g : more_generators) out += g.state();
    return out + generator.state();
  }
};

std::shared_ptr<LRScheduler> lr_scheduler(const std::string& type, Optimizer& opt) {
  if (type == "StepLR") return std::make_shared<StepLR>(opt, 3, 0.5);
  if (type == "MultiStepLR") return std::make_shared<MultiStepLR>(opt, std::vector<int>{2, 5}, 0.5);
  if (type == "ExponentialLR") return std::make_shared<ExponentialLR>(opt, 0.9);
  if (type == "LinearLR") return std::make_shared<LinearLR>(opt, 0.25, 1.0, 4);
  if (type == "CosineAnnealingLR") return std::make_shared<CosineAnnealingLR>(opt, 7);
  if (type == "OneCycleLR") {
    OneCycleLROptions o;
    o.max_lr = {0.05};
    o.total_steps = 40;
    return std::make_shared<OneCycleLR>(opt, o);
  }
  return nullptr;
}

std::shared_ptr<Scheduler> scheduler(const std::string& type, Optimizer& opt) {
  if (auto s = lr_scheduler(type, opt)) return s;
  if (type == "ReduceLROnPlateau") return std::make_shared<ReduceLROnPlateau>(opt);
  if (type == "SequentialLR")
    return std::make_shared<SequentialLR>(opt,
                                          std::vector<std::shared_ptr<LRScheduler>>{lr_scheduler("LinearLR", opt),
                                                                                    lr_scheduler("CosineAnnealingLR",
                                                                                                 opt)},
                                          std::vector<int>{4});
  return nullptr;
}

// The objects a checkpoint names (at most 4 schedulers); false when it names none we know.
bool make_objects(const Json& j, Objects& out) {
  Generator gen(0);
  out.model = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(3, 4, true, gen), std::make_shared<Tanh>(), std::make_shared<Linear>(4, 1, true, gen)});
  auto named = out.model->named_parameters();
  std::vector<Tensor> weights{named[0].second, named[2].second}, biases{named[1].second, named[3].second};
  std::string type = j.is_object() && j.contains("optimizer") && j["optimizer"].is_object()
                         ? j["optimizer"].value("type", std::string())
                         : std::string();
  std::vector<ParamGroup> groups{{weights}, {biases}};
  if (type == "SGD") out.optimizer = std::make_unique<SGD>(groups, SGDOptions(0.1).momentum(0.9));
  else if (type == "Adam") out.optimizer = std::make_unique<Adam>(groups, AdamOptions(0.01));
  else if (type == "AdamW") out.optimizer = std::make_unique<AdamW>(groups, AdamOptions(0.01));
  else return false;
  if (j.contains("generators") && j["generators"].is_array())
    out.more_generators.resize(std::min<std::size_t>(j["generators"].size(), 4));
  if (!j.contains("schedulers") || !j["schedulers"].is_array() || j["schedulers"].size() > 4) return false;
  for (const Json& s : j["schedulers"]) {
    if (!s.is_object() || !s.contains("type") || !s["type"].is_string()) return false;
    auto made = scheduler(s["type"].get<std::string>(), *out.optimizer);
    if (!made) return false;
    out.schedulers.push_back(made);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InputFile file;
  const std::string& path = file.write(data, size);
  Json j;
  if (run("read_json_file", [&] { j = read_json_file(path); }) != Outcome::returned) return 0;
  Objects objects;
  if (!make_objects(j, objects)) return 0;
  std::string before = objects.snapshot();
  Checkpoint c = objects.checkpoint();
  Outcome outcome = run("load_checkpoint", [&] { load_checkpoint(path, c); });
  FUZZ_CHECK(outcome != Outcome::runtime_error, "load_checkpoint threw std::runtime_error on a readable file");
  if (outcome != Outcome::returned) {
    FUZZ_CHECK(objects.snapshot() == before, "a failed load_checkpoint changed the objects");
    return 0;
  }
  // Saved again, it must load into fresh objects with the identical state.
  static std::string again_path = [] {
    char folder[] = "/tmp/xtgrad-fuzz-checkpoint-XXXXXX";
    if (!mkdtemp(folder)) finding("mkdtemp failed");
    return std::string(folder) + "/again.json";
  }();
  std::string loaded = objects.snapshot();
  FUZZ_CHECK(run("save_checkpoint", [&] { save_checkpoint(again_path, c); }) == Outcome::returned,
             "a loaded checkpoint could not be saved");
  Objects again;
  FUZZ_CHECK(make_objects(j, again), "the same objects could not be made twice");
  Checkpoint d = again.checkpoint();
  FUZZ_CHECK(run("load_checkpoint", [&] { load_checkpoint(again_path, d); }) == Outcome::returned,
             "a checkpoint saved from loaded objects does not load");
  FUZZ_CHECK(again.snapshot() == loaded, "saving and loading again changed the state");
  // The generators' next draws come from the file (a cached normal among them): finite.
  objects.more_generators.push_back(objects.generator);
  for (Generator& g : objects.more_generators)
    for (int i = 0; i < 2; ++i) {
      float drawn = g.normal();
      FUZZ_CHECK(std::isfinite(drawn), "a loaded generator drew " + std::to_string(drawn));
    }
  // What loaded must be usable: a training step must not throw anything but
  // std::invalid_argument (a hyperparameter out of range is reported, not crashed on).
  Outcome stepped = run("training step", [&] {
    Tensor x = ones({2, 3});
    objects.optimizer->zero_grad();
    sum((*objects.model)(x)).backward();
    objects.optimizer->step();
  });
  FUZZ_CHECK(stepped != Outcome::runtime_error, "a training step threw std::runtime_error");
  // And so must the schedulers: each counts its epochs on from the file's counters, so one
  // epoch more must not overflow them (std::invalid_argument: OneCycleLR past its last step).
  for (const auto& s : objects.schedulers) {
    Outcome scheduled = run("scheduler step", [&] {
      if (auto* plateau = dynamic_cast<ReduceLROnPlateau*>(s.get())) plateau->step(1.0);
      else if (auto* sequential = dynamic_cast<SequentialLR*>(s.get())) sequential->step();
      else dynamic_cast<LRScheduler&>(*s).step();
    });
    FUZZ_CHECK(scheduled != Outcome::runtime_error, std::string(s->type_name()) + ".step threw std::runtime_error");
  }
  return 0;
}
