// breast_cancer: an MLP and a logistic-regression baseline on the Wisconsin Diagnostic Breast
// Cancer data (569 rows, 30 features; data/README.md), with a stratified split, standardisation
// fitted on training rows only, and early stopping on a validation split.
//
//   build/examples/breast_cancer --hidden 32 --lr 0.003
#include <iostream>

#include <xtensor/xview.hpp>

#include "common/cli.hpp"
#include "common/plots.hpp"
#include "common/report.hpp"
#include "common/split.hpp"
#include "common/training.hpp"

using namespace xtgrad;
using namespace xtgrad::examples;

namespace {

struct Options {
  CommonOptions common;
  int patience = 20;  // epochs without a better validation loss before stopping
};

struct FitResult {
  MetricsLog log{{"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}};
  int best_epoch = 0;
};

// Trains until the validation loss has not improved for `patience` epochs, then restores the
// weights of the best epoch.
FitResult fit(Module& model, const Options& o, const Dataset& train, const Dataset& val, Generator& gen) {
  std::unique_ptr<Optimizer> optimizer = make_optimizer(o.common.optimizer, model.parameters(), o.common.lr);
  FitResult result;
  EarlyStopping stopping(model, o.patience);
  Progress progress(o.common.epochs, o.common.quiet);
  for (int epoch = 1; epoch <= o.common.epochs && stopping.keep_going(epoch); ++epoch) {
    EpochResult trained = train_epoch(model, *optimizer, train, o.common.batch_size, gen, 0.0, epoch);
    Evaluation on_val = evaluate(model, val);
    result.log.add({static_cast<double>(epoch), trained.loss, trained.accuracy, on_val.loss, on_val.accuracy});
    progress.update(epoch, epoch_summary(trained, "val", on_val));
    stopping.observe(model, epoch, on_val.loss);
  }
  stopping.restore_best(model);
  result.best_epoch = stopping.best_epoch();
  progress.finish("best validation loss " + fixed(stopping.best_loss()) + " at epoch " +
                  std::to_string(result.best_epoch) + " of " + std::to_string(result.log.rows()) +
                  "; restored its weights");
  return result;
}

// Confusion matrix rows: true class; columns: predicted class (0 = malignant, 1 = benign).
std::string confusion_table(const ConfusionMatrix& m) {
  return Table({"true \\ predicted", "malignant", "benign"})
      .row({"malignant", std::to_string(m.true_negatives), std::to_string(m.false_positives)})
      .row({"benign", std::to_string(m.false_negatives), std::to_string(m.true_positives)})
      .str();
}

int run(const Options& o) {
  Stopwatch clock;
  apply_threads(o.common);
  // Line 1 is scikit-learn's metadata ("569,30,malignant,benign"), not column names.
  CsvOptions csv;
  csv.allow_header = false;
  csv.skip_lines = 1;
  std::string path = find_data_file("breast_cancer_wisconsin.csv", o.common.data);
  Array table = read_csv(path, csv).values;
  if (table.shape()[1] != 31)
    throw std::invalid_argument(path + ": expected 30 features and a target per row, got " +
                                std::to_string(table.shape()[1]) + " columns");
  Dataset all{xt::view(table, xt::all(), xt::range(0, 30)), xt::view(table, xt::all(), xt::range(30, 31))};

  // 80/20 train/test, then 20% of train for validation, each stratified (37% malignant).
  Generator gen(o.common.seed);
  Split outer = stratified_split(all.y, 0.2, gen);
  Dataset train_all = take_rows(all, outer.train), test_raw = take_rows(all, outer.test);
  Split inner = stratified_split(train_all.y, 0.2, gen);
  Dataset train_raw = take_rows(train_all, inner.train), val_raw = take_rows(train_all, inner.test);
  Standardizer scaler = Standardizer::fit(train_raw.x);  // training rows only: no peeking
  Dataset train{scaler.transform(train_raw.x), train_raw.y}, val{scaler.transform(val_raw.x), val_raw.y},
      test{scaler.transform(test_raw.x), test_raw.y};
  if (!o.common.quiet)
    std::cout << path << ": " << all.size() << " rows; train " << train.size() << ", validation " << val.size()
              << ", test " << test.size() << "\n";

  Sequential mlp;
  std::size_t width = 30;
  for (std::size_t h : parse_sizes(o.common.hidden)) {
    mlp.push_back(std::make_shared<Linear>(width, h, true, gen));
    mlp.push_back(std::make_shared<ReLU>());
    width = h;
  }
  mlp.push_back(std::make_shared<Linear>(width, 1, true, gen));
  Sequential logistic{std::make_shared<Linear>(30, 1, true, gen)};  // σ(w·x + b), σ inside the loss

  std::string mlp_name = "MLP " + layer_sizes(30, o.common.hidden, 1);
  if (!o.common.quiet) std::cout << "\n" << mlp_name << "\n";
  FitResult mlp_fit = fit(mlp, o, train, val, gen);
  if (!o.common.quiet) std::cout << "\nlogistic regression\n";
  FitResult logistic_fit = fit(logistic, o, train, val, gen);

  Evaluation mlp_test = evaluate(mlp, test), logistic_test = evaluate(logistic, test);
  ConfusionMatrix mlp_cm = confusion_matrix(mlp_test.probabilities, test.y);
  ConfusionMatrix logistic_cm = confusion_matrix(logistic_test.probabilities, test.y);
  std::cout << "\ntest set (" << test.size() << " rows, class 1 = benign)\n"
            << Table({"", mlp_name, "logistic regression"})
                   .row({"accuracy", percent(mlp_test.accuracy), percent(logistic_test.accuracy)})
                   .row({"ROC-AUC", fixed(roc_auc(mlp_test.probabilities, test.y)),
                         fixed(roc_auc(logistic_test.probabilities, test.y))})
                   .row({"log-loss", fixed(log_loss(mlp_test.probabilities, test.y)),
                         fixed(log_loss(logistic_test.probabilities, test.y))})
                   .row({"best epoch", std::to_string(mlp_fit.best_epoch), std::to_string(logistic_fit.best_epoch)})
                   .str();
  std::cout << "\nMLP confusion matrix\n" << confusion_table(mlp_cm);
  std::cout << "\nlogistic regression confusion matrix\n" << confusion_table(logistic_cm);

  // The standardisation goes into the weights, so `xtgrad predict` takes raw features.
  OutputDir out(o.common.out_dir);
  Json metadata = {{"example", "breast_cancer"},
                   {"standardize", scaler.to_json()},
                   {"classes", {"malignant", "benign"}},
                   {"options", options_json(o.common)},
                   {"patience", o.patience}};
  metadata["test_accuracy"] = mlp_test.accuracy;
  out.save_model("mlp.json", mlp, metadata, "MLP weights with metadata.standardize");
  metadata["test_accuracy"] = logistic_test.accuracy;
  out.save_model("logistic.json", logistic, metadata, "logistic-regression weights");
  LineChart chart;
  chart.title = "breast cancer: loss per epoch (early stopping on validation loss)";
  chart.y_label = "binary cross-entropy";
  chart.series = {{"MLP train", "#1f77b4", mlp_fit.log.column("train_loss")},
                  {"MLP validation", "#ff7f0e", mlp_fit.log.column("val_loss")},
                  {"logistic train", "#2ca02c", logistic_fit.log.column("train_loss")},
                  {"logistic validation", "#d62728", logistic_fit.log.column("val_loss")}};
  chart.marker_x = mlp_fit.best_epoch;
  chart.marker_label = "MLP best epoch";
  out.write("loss.svg", render_line_chart(chart), "training and validation loss curves");
  out.write("metrics.csv", mlp_fit.log.to_csv(), "MLP per-epoch metrics");
  out.write("metrics_logistic.csv", logistic_fit.log.to_csv(), "logistic regression per-epoch metrics");
  std::string header;
  for (int c = 0; c < 30; ++c) header += "x" + std::to_string(c) + ",";
  out.write("test.csv", labelled_rows_csv(test_raw.x, test_raw.y, header + "target"), "raw test rows, target last");
  print_closing(out, "mlp.json", "test.csv", o.common.quiet, clock.seconds());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"breast_cancer: an MLP and logistic regression on the Wisconsin Diagnostic Breast Cancer data"};
  Options o;
  o.common.epochs = 500;
  o.common.lr = 0.001;
  o.common.hidden = "16";
  o.common.out_dir = "runs/breast_cancer";
  add_common_options(app, o.common,
                     "The data CSV (default: data/breast_cancer_wisconsin.csv, found from the executable)");
  app.add_option("--patience", o.patience, "Stop after this many epochs without a better validation loss")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "breast_cancer: error: " << e.what() << "\n";
    return 1;
  }
}
