// Guide snippets: saving and loading weights, rebuilding models, checkpoints. Compiled and run by CTest.
#include <cstdio>
#include <filesystem>

#include <xtgrad/io.hpp>

using namespace xtgrad;

int main() {
  std::filesystem::path folder = std::filesystem::temp_directory_path() / "xtgrad-docs";
  std::filesystem::create_directories(folder);
  std::string path = (folder / "model.json").string();
  std::string checkpoint_path = (folder / "checkpoint.json").string();
  Generator gen(1);
  // [snippet:weights]
  Sequential model{std::make_shared<Linear>(30, 16), std::make_shared<ReLU>(), std::make_shared<Linear>(16, 1)};
  save_weights(model, path, {{"epochs", 20}, {"note", "anything JSON"}});  // atomic write

  load_weights(model, path);              // same architecture: validated, then copied in
  LoadedModel loaded = load_model(path);  // or rebuild the model from the file alone
  std::printf("%s\n", loaded.module->repr().c_str());
  // [end-snippet]
  Adam optimizer(model.parameters(), AdamOptions(1e-3));
  // [snippet:checkpoint]
  save_checkpoint(checkpoint_path, {&model, &optimizer, {}, &gen, /*epoch=*/3});
  Checkpoint resumed{&model, &optimizer, {}, &gen};
  load_checkpoint(checkpoint_path, resumed);  // resumes bit-identically; resumed.epoch == 3
  // [end-snippet]
  std::filesystem::remove_all(folder);
  return resumed.epoch == 3 && loaded.module->parameters().size() == 4 ? 0 : 1;
}
