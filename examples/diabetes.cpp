// diabetes: regression of disease progression one year on from ten baseline measurements (442
// patients; data/README.md). An MLP trained with MSELoss on standardized features and target,
// with early stopping on a validation split, beside ordinary least squares solved in closed form.
// Both are scored on the test rows in the target's own units. The data are noisy and small:
// least squares is hard to beat, and the summary says which model won.
//
//   build/examples/diabetes --hidden 32 --lr 0.003
#include <algorithm>
#include <cmath>
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

constexpr std::size_t kFeatures = 10;

struct Options {
  CommonOptions common;
  int patience = 30;  // epochs without a better validation loss before stopping
};

// A random split of rows (no classes to stratify by): `fraction` of them to the second part.
Split random_split(std::size_t rows, double fraction, Generator& gen) {
  std::vector<std::size_t> order(rows);
  for (std::size_t i = 0; i < rows; ++i) order[i] = i;
  shuffle(order, gen);
  auto held_out = static_cast<std::ptrdiff_t>(std::lround(fraction * static_cast<double>(rows)));
  Split split{{order.begin() + held_out, order.end()}, {order.begin(), order.begin() + held_out}};
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

// Ordinary least squares with an intercept: the normal equations (AᵀA) w = Aᵀy, A = [x, 1],
// solved by Cholesky in double. The features are standardized, so AᵀA is well conditioned.
// Returns the weights [F] then the intercept.
std::vector<double> least_squares(const Array& x, const Array& y) {
  const std::size_t n = x.shape()[0], k = x.shape()[1] + 1;
  std::vector<double> m(k * k, 0.0), b(k, 0.0);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t i = 0; i < k; ++i) {
      double ai = i + 1 < k ? x(r, i) : 1.0;
      b[i] += ai * y.data()[r];  // y is [N] or [N, 1]
      for (std::size_t j = 0; j < k; ++j) m[i * k + j] += ai * (j + 1 < k ? x(r, j) : 1.0);
    }
  for (std::size_t j = 0; j < k; ++j) {  // m = L Lᵀ, L stored in the lower triangle
    for (std::size_t p = 0; p < j; ++p) m[j * k + j] -= m[j * k + p] * m[j * k + p];
    if (!(m[j * k + j] > 0.0)) throw std::runtime_error("least squares: the features are linearly dependent");
    m[j * k + j] = std::sqrt(m[j * k + j]);
    for (std::size_t i = j + 1; i < k; ++i) {
      for (std::size_t p = 0; p < j; ++p) m[i * k + j] -= m[i * k + p] * m[j * k + p];
      m[i * k + j] /= m[j * k + j];
    }
  }
  for (std::size_t i = 0; i < k; ++i) {  // L z = b
    for (std::size_t p = 0; p < i; ++p) b[i] -= m[i * k + p] * b[p];
    b[i] /= m[i * k + i];
  }
  for (std::size_t i = k; i-- > 0;) {  // Lᵀ w = z
    for (std::size_t p = i + 1; p < k; ++p) b[i] -= m[p * k + i] * b[p];
    b[i] /= m[i * k + i];
  }
  return b;
}

struct FitResult {
  MetricsLog log{{"epoch", "train_mse", "val_mse"}};
  int best_epoch = 0;
};

double mse_of(Module& model, const Dataset& data) {
  NoGrad no_grad;
  model.eval();
  double loss = mse_loss(model(Tensor(data.x)), Tensor(data.y)).item();
  model.train();
  return loss;
}

// MSELoss on standardized targets until the validation loss has not improved for `patience`
// epochs; then the best epoch's weights are restored.
FitResult fit(Module& model, const Options& o, const Dataset& train, const Dataset& val, Generator& gen) {
  std::unique_ptr<Optimizer> optimizer = make_optimizer(o.common.optimizer, model.parameters(), o.common.lr);
  auto loss = [](const Tensor& output, const Array& y) { return mse_loss(output, Tensor(y)); };
  FitResult result;
  EarlyStopping stopping(model, o.patience);
  Progress progress(o.common.epochs, o.common.quiet);
  for (int epoch = 1; epoch <= o.common.epochs && stopping.keep_going(epoch); ++epoch) {
    EpochResult trained = train_epoch(model, *optimizer, train, o.common.batch_size, gen, loss, nullptr, 0.0, epoch);
    double val_loss = mse_of(model, val);
    result.log.add({static_cast<double>(epoch), trained.loss, val_loss});
    progress.update(epoch, "mse " + fixed(trained.loss) + "  val mse " + fixed(val_loss));
    stopping.observe(model, epoch, val_loss);
  }
  stopping.restore_best(model);
  result.best_epoch = stopping.best_epoch();
  progress.finish("best validation MSE " + fixed(stopping.best_loss()) + " (standardized units) at epoch " +
                  std::to_string(result.best_epoch) + " of " + std::to_string(result.log.rows()) +
                  "; restored its weights");
  return result;
}

struct Scored {
  double r2, mae, rmse;
  Array predicted;  ///< [N], original units
};

Scored score(const Array& predicted_standardized, const Array& actual, double mean, double std_dev) {
  Array predicted = predicted_standardized * static_cast<float>(std_dev) + static_cast<float>(mean);
  predicted.reshape({actual.size()});
  return {r2_score(predicted, actual), mean_absolute_error(predicted, actual),
          std::sqrt(mean_squared_error(predicted, actual)), predicted};
}

int run(const Options& o) {
  Stopwatch clock;
  apply_threads(o.common);
  std::string path = find_data_file("diabetes.csv", o.common.data);
  Array table = read_csv(path).values;
  if (table.shape()[1] != kFeatures + 1)
    throw std::invalid_argument(path + ": expected 10 features and the target per row, got " +
                                std::to_string(table.shape()[1]) + " columns");
  Dataset all{xt::view(table, xt::all(), xt::range(0, kFeatures)),
              xt::view(table, xt::all(), xt::range(kFeatures, kFeatures + 1))};

  // 80/20 train/test, then 20% of train for validation (early stopping), all seeded.
  Generator gen(o.common.seed);
  Split outer = random_split(all.size(), 0.2, gen);
  Dataset train_all = take_rows(all, outer.train), test_raw = take_rows(all, outer.test);
  Split inner = random_split(train_all.size(), 0.2, gen);
  Dataset train_raw = take_rows(train_all, inner.train), val_raw = take_rows(train_all, inner.test);
  // Features and target standardized with training rows only; the target's scale is undone
  // for every reported figure (and by `xtgrad predict`, from metadata.target_standardize).
  Standardizer scaler = Standardizer::fit(train_raw.x), target = Standardizer::fit(train_raw.y);
  auto prepare = [&](const Dataset& d) { return Dataset{scaler.transform(d.x), target.transform(d.y)}; };
  Dataset train = prepare(train_raw), val = prepare(val_raw), test = prepare(test_raw);
  if (!o.common.quiet)
    std::cout << path << ": " << all.size() << " patients; train " << train.size() << ", validation " << val.size()
              << ", test " << test.size() << "\n";

  Sequential mlp;
  std::size_t width = kFeatures;
  for (std::size_t h : parse_sizes(o.common.hidden)) {
    mlp.push_back(std::make_shared<Linear>(width, h, true, gen));
    mlp.push_back(std::make_shared<ReLU>());
    width = h;
  }
  mlp.push_back(std::make_shared<Linear>(width, 1, true, gen));
  std::string mlp_name = "MLP " + layer_sizes(kFeatures, o.common.hidden, 1);
  if (!o.common.quiet) std::cout << "\n" << mlp_name << "\n";
  FitResult mlp_fit = fit(mlp, o, train, val, gen);

  // Least squares sees the same training rows as the MLP (validation rows are not used: OLS
  // has nothing to stop early), as a Linear layer so it saves and predicts like the MLP.
  std::vector<double> w = least_squares(train.x, train.y);
  auto ols_layer = std::make_shared<Linear>(kFeatures, 1);
  for (std::size_t k = 0; k < kFeatures; ++k) ols_layer->weight.mutable_value()(0, k) = static_cast<float>(w[k]);
  ols_layer->bias.mutable_value()(0) = static_cast<float>(w[kFeatures]);
  Sequential ols{ols_layer};

  NoGrad no_grad;
  mlp.eval();
  Scored mlp_test = score(mlp(Tensor(test.x)).value(), test_raw.y, target.mean[0], target.std[0]);
  Scored ols_test = score(ols(Tensor(test.x)).value(), test_raw.y, target.mean[0], target.std[0]);
  std::cout << "\ntest set (" << test.size() << " patients; progression " << fixed(target.mean[0], 1) << " +- "
            << fixed(target.std[0], 1) << " on the training rows)\n"
            << Table({"", mlp_name, "least squares"})
                   .row({"R^2", fixed(mlp_test.r2), fixed(ols_test.r2)})
                   .row({"MAE", fixed(mlp_test.mae, 2), fixed(ols_test.mae, 2)})
                   .row({"RMSE", fixed(mlp_test.rmse, 2), fixed(ols_test.rmse, 2)})
                   .row({"best epoch", std::to_string(mlp_fit.best_epoch), "closed form"})
                   .str();
  bool mlp_won = mlp_test.r2 > ols_test.r2;
  std::cout << (mlp_won ? "the MLP" : "least squares") << " has the higher test R^2 ("
            << fixed(std::max(mlp_test.r2, ols_test.r2)) << " against " << fixed(std::min(mlp_test.r2, ols_test.r2))
            << ")" << (mlp_won ? "" : ": on data this small and noisy, the straight line is hard to beat") << "\n";

  OutputDir out(o.common.out_dir);
  Json metadata = {{"example", "diabetes"},
                   {"task", "regression"},
                   {"standardize", scaler.to_json()},
                   {"target_standardize", target.to_json()},
                   {"options", options_json(o.common)},
                   {"patience", o.patience}};
  metadata["test_r2"] = mlp_test.r2;
  out.save_model("mlp.json", mlp, metadata, "MLP weights with metadata.standardize and target_standardize");
  metadata["test_r2"] = ols_test.r2;
  out.save_model("least_squares.json", ols, metadata, "least-squares fit as a Linear layer, same metadata");

  ScatterPlot scatter;
  scatter.title = "diabetes: predicted against actual progression (test set)";
  scatter.x_label = "actual progression";
  scatter.y_label = "predicted progression";
  scatter.series = {{"MLP (R^2 " + fixed(mlp_test.r2, 3) + ")", "#1f77b4", {}},
                    {"least squares (R^2 " + fixed(ols_test.r2, 3) + ")", "#ff7f0e", {}}};
  for (std::size_t i = 0; i < test.size(); ++i) {
    scatter.series[0].points.emplace_back(test_raw.y(i, 0), mlp_test.predicted(i));
    scatter.series[1].points.emplace_back(test_raw.y(i, 0), ols_test.predicted(i));
  }
  out.write("predicted_vs_actual.svg", render_scatter(scatter), "predicted against actual values, both models");
  LineChart chart;
  chart.title = "diabetes: MLP mean squared error per epoch (standardized target)";
  chart.y_label = "MSE";
  chart.series = {{"train", "#1f77b4", mlp_fit.log.column("train_mse")},
                  {"validation", "#ff7f0e", mlp_fit.log.column("val_mse")}};
  chart.marker_x = mlp_fit.best_epoch;
  chart.marker_label = "best epoch";
  out.write("loss.svg", render_line_chart(chart), "training and validation loss curves");
  out.write("metrics.csv", mlp_fit.log.to_csv(), "MLP per-epoch metrics");
  out.write("test.csv",
            labelled_rows_csv(test_raw.x, test_raw.y,
                              "age,sex,bmi,bp,s1_tc,s2_ldl,s3_hdl,s4_tch,s5_ltg,s6_glu,progression"),
            "raw test rows, progression last");
  print_closing(out, "mlp.json", "test.csv", o.common.quiet, clock.seconds());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"diabetes: an MLP and least squares predicting diabetes progression"};
  Options o;
  o.common.epochs = 300;
  o.common.lr = 0.001;
  o.common.hidden = "16";
  o.common.optimizer = "adamw";
  o.common.out_dir = "runs/diabetes";
  add_common_options(app, o.common, "The data CSV (default: data/diabetes.csv, found from the executable)");
  app.add_option("--patience", o.patience, "Stop after this many epochs without a better validation loss")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "diabetes: error: " << e.what() << "\n";
    return 1;
  }
}
