// The `xtgrad` command: predict with a saved model, or inspect one.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <xtgrad/io.hpp>

#include "predict_stream.hpp"

using namespace xtgrad;

namespace {

int inspect(const std::string& path) {
  LoadedModel model = cli::load_builtin_model(path);
  std::cout << "model: " << path << "\n" << model.module->repr() << "\n\nparameters:\n";
  std::size_t total = 0;
  for (const auto& [name, tensor] : model.module->named_parameters()) {
    std::printf("  %-28s %-14s %zu\n", name.c_str(), shape_str(tensor.shape()).c_str(), tensor.numel());
    total += tensor.numel();
  }
  std::printf("  total: %zu\n", total);
  NamedTensors buffers = model.module->named_buffers();  // running statistics and the like
  if (!buffers.empty()) std::cout << "\nbuffers:\n";
  for (const auto& [name, tensor] : buffers)
    std::printf("  %-28s %-14s %zu\n", name.c_str(), shape_str(tensor.shape()).c_str(), tensor.numel());
  std::cout << "\nmetadata:\n" << (model.metadata.empty() ? "  (none)" : model.metadata.dump(2)) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xtgrad: predict with and inspect models saved as xtgrad weights JSON"};
  app.require_subcommand(1);
  app.set_version_flag("--version", build_summary());

  cli::PredictArgs predict_args;
  CLI::App* predict_cmd = app.add_subcommand(
      "predict",
      "Write one prediction per input row, as the rows stream in: the probability (binary), the class "
      "probabilities and the class (multiclass) or the value(s) (regression), as metadata.task says");
  predict_cmd->add_option("--model", predict_args.model, "Weights JSON written by save_weights")->required();
  predict_cmd->add_option("--input", predict_args.input, "CSV of feature rows, or - for standard input")->required();
  predict_cmd
      ->add_option("--output", predict_args.output,
                   "Predictions file, replaced atomically once all rows are scored; - for standard output")
      ->capture_default_str();
  predict_cmd
      ->add_option("--header", predict_args.header,
                   "auto: the first line is a header unless every cell of it is a number; yes; no")
      ->check(CLI::IsMember({"auto", "yes", "no"}))
      ->capture_default_str();
  predict_cmd->add_flag("--labels-last", predict_args.labels_last,
                        "The last column is the label (0/1, a class index, or the true value): also report accuracy, "
                        "confusion counts, ROC-AUC and log-loss; per-class precision/recall/F1; or MSE, MAE and R2");
  predict_cmd
      ->add_option("--steps", predict_args.steps,
                   "Time steps T per row for a sequence model whose file records no metadata.steps")
      ->check(CLI::PositiveNumber);
  predict_cmd->add_option("--chunk-rows", predict_args.chunk_rows, "Rows read and scored at a time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  std::string inspect_model;
  CLI::App* inspect_cmd = app.add_subcommand("inspect", "Print the architecture, parameters and metadata");
  inspect_cmd->add_option("--model", inspect_model, "Weights JSON")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::RequiredError& e) {
    // CLI11 checks required options before it reports arguments it did not expect; a misspelt
    // option (--inptu) is then reported as the one it was meant to be missing (--input).
    std::vector<std::string> unexpected = app.remaining_for_passthrough(true);  // in the order given
    return unexpected.empty() ? app.exit(e) : app.exit(CLI::ExtrasError(unexpected));
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*predict_cmd) {
      // std::cin then reads in blocks, not a character at a time; predict writes through stdio only.
      std::ios::sync_with_stdio(false);
      return cli::predict(predict_args);
    }
    return inspect(inspect_model);
  } catch (const std::exception& e) {
    std::cerr << "xtgrad: error: " << e.what() << "\n";
    return 1;
  }
}
