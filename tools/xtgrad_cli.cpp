// The `xtgrad` command: predict with a saved model, or inspect one.
#include <cstdio>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <xtensor/xview.hpp>

#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

namespace {

struct PredictArgs {
  std::string model, input, output;
  bool labels_last = false;
};

int predict(const PredictArgs& args) {
  LoadedModel model = load_model(args.model);
  CsvTable table = read_csv(args.input);
  Array features = table.values;
  Array labels;
  std::size_t rows = features.shape()[0], columns = features.shape()[1];
  if (args.labels_last) {
    if (columns < 2) throw std::invalid_argument(args.input + ": --labels-last needs at least two columns");
    labels = Array(xt::view(features, xt::all(), columns - 1));
    for (std::size_t r = 0; r < rows; ++r)
      if (labels(r) != 0.0f && labels(r) != 1.0f)
        throw std::invalid_argument(args.input + ": row " + std::to_string(r + 1) + " has label " +
                                    std::to_string(labels(r)) + " in its last column; labels must be 0 or 1");
    features = Array(xt::view(features, xt::all(), xt::range(0, columns - 1)));
  }
  Array p = predict_proba(model, features);

  std::ostringstream out;
  char number[32];
  for (float v : p) {
    std::snprintf(number, sizeof number, "%.9g\n", v);
    out << number;
  }
  if (args.output.empty()) std::cout << out.str();
  else write_file_atomically(args.output, out.str());

  if (args.labels_last) {
    // Metrics go to stderr when the probabilities go to stdout, so both stay parseable.
    std::ostream& report = args.output.empty() ? std::cerr : std::cout;
    ConfusionMatrix m = confusion_matrix(p, labels);
    report << "rows: " << rows << "\naccuracy: " << accuracy(p, labels) << "\n";
    if (m.true_positives + m.false_negatives > 0 && m.true_negatives + m.false_positives > 0)
      report << "roc_auc: " << roc_auc(p, labels) << "\n";
    else
      report << "roc_auc: undefined (only one class among the labels)\n";
    report << "log_loss: " << log_loss(p, labels) << "\n";
  }
  if (!args.output.empty()) std::cout << "wrote " << rows << " probabilities to " << args.output << "\n";
  return 0;
}

int inspect(const std::string& path) {
  LoadedModel model = load_model(path);
  std::cout << "model: " << path << "\n" << model.module->repr() << "\n\nparameters:\n";
  std::size_t total = 0;
  for (const auto& [name, tensor] : model.module->named_parameters()) {
    std::printf("  %-28s %-14s %zu\n", name.c_str(), shape_str(tensor.shape()).c_str(), tensor.numel());
    total += tensor.numel();
  }
  std::printf("  total: %zu\n", total);
  std::cout << "\nmetadata:\n" << (model.metadata.empty() ? "  (none)" : model.metadata.dump(2)) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xtgrad: predict with and inspect models saved as xtgrad weights JSON"};
  app.require_subcommand(1);
  app.set_version_flag("--version", build_summary());

  PredictArgs predict_args;
  CLI::App* predict_cmd = app.add_subcommand("predict", "Write one probability per input row");
  predict_cmd->add_option("--model", predict_args.model, "Weights JSON written by save_weights")->required();
  predict_cmd->add_option("--input", predict_args.input, "CSV of feature rows (a header line is allowed)")->required();
  predict_cmd->add_option("--output", predict_args.output, "Write probabilities here instead of stdout");
  predict_cmd->add_flag("--labels-last", predict_args.labels_last,
                        "The last column is a 0/1 label: also report accuracy, ROC-AUC and log-loss");

  std::string inspect_model;
  CLI::App* inspect_cmd = app.add_subcommand("inspect", "Print the architecture, parameters and metadata");
  inspect_cmd->add_option("--model", inspect_model, "Weights JSON")->required();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*predict_cmd) return predict(predict_args);
    return inspect(inspect_model);
  } catch (const std::exception& e) {
    std::cerr << "xtgrad: error: " << e.what() << "\n";
    return 1;
  }
}
