// mlp_2d: an MLP learns a 2-D binary classification (two moons, circles, spirals or XOR
// blobs) and draws its decision boundary and loss curves as SVG.
//
//   build/examples/mlp_2d --dataset spirals --hidden 64,64 --activation tanh
#include <iostream>

#include "common/cli.hpp"
#include "common/datasets.hpp"
#include "common/plots.hpp"
#include "common/report.hpp"
#include "common/split.hpp"
#include "common/training.hpp"

using namespace xtgrad;
using namespace xtgrad::examples;

namespace {

struct Options {
  CommonOptions common;
  std::string dataset = "moons", activation = "relu";
  std::size_t samples = 600;
  float noise = -1.0f;  // negative: the data set's default
};

int run(const Options& o) {
  Stopwatch clock;
  apply_threads(o.common);
  Generator gen(o.common.seed);  // data, initial weights and batch order all come from it
  float noise = o.noise >= 0.0f ? o.noise : default_noise_2d(o.dataset);
  Dataset all = make_2d(o.dataset, o.samples, noise, gen);
  Split split = stratified_split(all.y, 0.25, gen);
  Dataset train = take_rows(all, split.train), test = take_rows(all, split.test);

  // 2 -> hidden ... -> 1 logit; the sigmoid is inside the loss (BCEWithLogitsLoss).
  Sequential model;
  std::size_t width = 2;
  for (std::size_t h : parse_sizes(o.common.hidden)) {
    model.push_back(std::make_shared<Linear>(width, h, true, gen));
    if (o.activation == "tanh") model.push_back(std::make_shared<Tanh>());
    else model.push_back(std::make_shared<ReLU>());
    width = h;
  }
  model.push_back(std::make_shared<Linear>(width, 1, true, gen));
  std::unique_ptr<Optimizer> optimizer = make_optimizer(o.common.optimizer, model.parameters(), o.common.lr);
  if (!o.common.quiet)
    std::cout << o.dataset << ": " << train.size() << " training and " << test.size() << " test points\n"
              << model.repr() << "\n";

  MetricsLog log({"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"});
  Progress progress(o.common.epochs, o.common.quiet);
  for (int epoch = 1; epoch <= o.common.epochs; ++epoch) {
    EpochResult trained = train_epoch(model, *optimizer, train, o.common.batch_size, gen, 0.0, epoch);
    Evaluation held_out = evaluate(model, test);  // for the curves only: nothing is tuned on it
    log.add({static_cast<double>(epoch), trained.loss, trained.accuracy, held_out.loss, held_out.accuracy});
    progress.update(epoch, epoch_summary(trained, "test", held_out));
  }
  progress.finish();

  Evaluation on_train = evaluate(model, train), on_test = evaluate(model, test);
  double auc = roc_auc(on_test.probabilities, test.y);
  OutputDir out(o.common.out_dir);
  Json metadata = {{"example", "mlp_2d"},
                   {"dataset", o.dataset},
                   {"noise", noise},
                   {"samples", o.samples},
                   {"activation", o.activation},
                   {"options", options_json(o.common)},
                   {"test_accuracy", on_test.accuracy},
                   {"test_roc_auc", auc}};
  out.save_model("model.json", model, metadata, "weights (xtgrad predict / inspect)");
  std::string title = o.dataset + ": MLP " + layer_sizes(2, o.common.hidden, 1) + " (" + o.activation +
                      "), test accuracy " + percent(on_test.accuracy);
  out.write("decision_boundary.svg", render_decision_boundary(title, predict_grid(model, all.x), train, test),
            "probability map, decision boundary and points");
  LineChart losses;
  losses.title = o.dataset + ": binary cross-entropy per epoch";
  losses.y_label = "loss";
  losses.series = {{"training", "#1f77b4", log.column("train_loss")}, {"test", "#ff7f0e", log.column("test_loss")}};
  out.write("loss.svg", render_line_chart(losses), "training and test loss curves");
  out.write("metrics.csv", log.to_csv(), "per-epoch loss and accuracy");
  out.write("test.csv", labelled_rows_csv(test.x, test.y, "x1,x2,label"), "test points, label last");

  std::cout << "\n"
            << Table({"", "loss", "accuracy", "ROC-AUC"})
                   .row({"train", fixed(on_train.loss), percent(on_train.accuracy),
                         fixed(roc_auc(on_train.probabilities, train.y))})
                   .row({"test", fixed(on_test.loss), percent(on_test.accuracy), fixed(auc)})
                   .str();
  print_closing(out, "model.json", "test.csv", o.common.quiet, clock.seconds());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mlp_2d: an MLP classifies seeded 2-D point sets and plots its decision boundary"};
  Options o;
  o.common.epochs = 200;
  o.common.lr = 0.01;
  o.common.out_dir = "runs/mlp_2d";
  add_common_options(app, o.common);
  app.add_option("--dataset", o.dataset, "moons, circles, spirals or xor")->check(CLI::IsMember(dataset_2d_names()));
  app.add_option("--activation", o.activation, "Hidden-layer activation: relu or tanh")
      ->check(CLI::IsMember({"relu", "tanh"}));
  app.add_option("--samples", o.samples, "Number of points (75% train, 25% test)")->check(CLI::Range(8, 1000000));
  app.add_option("--noise", o.noise, "Noise standard deviation (default: per data set)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "mlp_2d: error: " << e.what() << "\n";
    return 1;
  }
}
