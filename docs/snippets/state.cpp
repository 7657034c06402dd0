// Guide snippets: state dicts, a module that rebuilds itself from a file, whole checkpoints.
// Compiled and run by CTest.
#include <cstdio>
#include <filesystem>

#include <xtgrad/io.hpp>

using namespace xtgrad;

// [snippet:own-module]
// A module of your own: its options, a child, a buffer (saved with the weights, not trained).
struct Scaled : Module {
  std::size_t in, out;
  std::shared_ptr<Linear> fc;
  Tensor scale;

  Scaled(std::size_t in_features, std::size_t out_features) : in(in_features), out(out_features) {
    fc = register_module("fc", std::make_shared<Linear>(LinearOptions(in, out).bias(false)));
    scale = register_buffer("scale", ones({out}));
  }
  Tensor forward(const Tensor& x) override { return (*fc)(x)*Tensor(scale.value()); }
  std::string type_name() const override { return "Scaled"; }
  // Optional: one sample's width, for a Sequential that starts with it and for code feeding rows.
  std::optional<InputSpec> input_spec() const override { return InputSpec{in, false}; }
  // What rebuilds it: written into the file as {"type": "Scaled", "in": 4, "out": 1}.
  Value config() const override {
    Value c = Value::dict();
    c["in"] = in;
    c["out"] = out;
    return c;
  }
  static std::shared_ptr<Scaled> from_config(const Value& c) {
    return std::make_shared<Scaled>(c.get_int_in("in", 1, 1 << 24), c.get_int_in("out", 1, 1 << 24));
  }
};
// [end-snippet]

int main() {
  std::filesystem::path folder = std::filesystem::temp_directory_path() / "xtgrad-docs-state";
  std::filesystem::create_directories(folder);
  std::string path = (folder / "scaled.json").string();
  std::string checkpoint_path = (folder / "checkpoint.json").string();

  // [snippet:state-dict]
  Scaled model(4, 1);
  for (const auto& [name, tensor] : model.state_dict())  // "scale", then "fc.weight"
    std::printf("%s %s\n", name.c_str(), shape_str(tensor.shape()).c_str());
  Scaled copy(4, 1);
  copy.load_state_dict(model.state_dict());  // checks every key and shape first

  register_module_type<Scaled>("Scaled");  // once, before loading a file that holds one
  save_weights(model, path);
  LoadedModel loaded = load_model(path);  // a Scaled, with its weights and its buffer
  // [end-snippet]

  Generator gen(1);
  // [snippet:checkpoint-all]
  Adam optimizer(model.parameters(), AdamOptions(1e-3));
  auto warmup = std::make_shared<LinearLR>(optimizer, /*start_factor=*/0.1, /*end_factor=*/1.0, /*total_iters=*/5);
  auto cosine = std::make_shared<CosineAnnealingLR>(optimizer, /*T_max=*/45);
  SequentialLR schedule(optimizer, {warmup, cosine}, /*milestones=*/{5});
  std::int64_t epoch = 12, step = 1200;

  save_checkpoint(checkpoint_path, {&model, &optimizer, {&schedule}, &gen, epoch, step, {{"run", "a"}}});

  Checkpoint resume{&model, &optimizer, {&schedule}, &gen};
  load_checkpoint(checkpoint_path, resume);  // all or nothing; resume.epoch == 12, resume.step == 1200
  // [end-snippet]

  bool ok = loaded.module->type_name() == "Scaled" && copy.fc->weight.value() == model.fc->weight.value() &&
            resume.epoch == 12 && resume.step == 1200 && resume.metadata["run"] == "a";
  std::filesystem::remove_all(folder);
  return ok ? 0 : 1;
}
