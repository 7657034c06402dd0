// `xtgrad predict` for multi-class and regression files (metadata.task), and sequence length
// checks. Models with hand-set weights, so every expected number is a closed form in double.
#include <cmath>
#include <sstream>

#include "predict.hpp"
#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "xtgrad/io.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

CommandResult xtgrad_cli(const TempDir& dir, const std::string& args) { return run_command(dir, XTGRAD_CLI, args); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<double> cells(const std::string& line) {
  std::vector<double> out;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) out.push_back(std::stod(cell));
  return out;
}

// The number after "<name>: " in a report.
double reported(const std::string& report, const std::string& name) {
  std::size_t at = report.find("\n" + name + ": ");
  if (report.rfind(name + ": ", 0) == 0) at = 0;
  else if (at == std::string::npos) FAIL("no '" << name << "' in the report:\n" << report);
  else ++at;
  return std::stod(report.substr(at + name.size() + 2));
}

// The numbers after the first cell of each table row named `name` ("  <name>  1 0 0"), in
// report order: a class has its confusion-matrix row, then its precision, recall, F1, support.
std::vector<std::vector<double>> table_rows(const std::string& report, const std::string& name) {
  std::vector<std::vector<double>> rows;
  for (const std::string& line : lines_of(report))
    if (line.rfind("  " + name + " ", 0) == 0) {
      std::istringstream in(line.substr(name.size() + 2));
      rows.emplace_back();
      for (double v; in >> v;) rows.back().push_back(v);
    }
  return rows;
}

using Rows = std::vector<std::vector<double>>;

// logits = [x0, x1, 0]: the class is whichever of x0, x1, 0 is largest.
Sequential three_class_model() {
  auto linear = std::make_shared<Linear>(2, 3);
  linear->weight.mutable_value() = Array{{1, 0}, {0, 1}, {0, 0}};
  linear->bias.mutable_value() = Array{0, 0, 0};
  return Sequential{linear};
}

}  // namespace

TEST_CASE("cli predict multiclass: header, softmax probabilities, class, and metrics as closed forms") {
  TempDir dir;
  Sequential net = three_class_model();
  save_weights(net, dir.file("m.json"), {{"task", "multiclass"}, {"classes", {"cat", "dog, big", "eel"}}});
  // Predicted classes 0, 1, 2, 0, 0, 1 against labels 0, 1, 2, 1, 2, 1.
  std::vector<std::array<double, 3>> rows{{2, 0, 0}, {0, 3, 1}, {-1, -1, 2}, {1, 0, 1}, {0.5, -2, 2}, {-2, 1, 1}};
  std::string csv = "a,b,label\n";
  for (auto& r : rows)
    csv += std::to_string(r[0]) + "," + std::to_string(r[1]) + "," + std::to_string(int(r[2])) + "\n";
  dir.write("d.csv", csv);
  CommandResult r =
      xtgrad_cli(dir, "predict --model " + dir.file("m.json") + " --input " + dir.file("d.csv") + " --labels-last");
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> out = lines_of(r.out);
  REQUIRE(out.size() == 7);
  CHECK(out[0] == "p_cat,\"p_dog, big\",p_eel,class");
  const int predicted[] = {0, 1, 2, 0, 0, 1};
  double log_loss_sum = 0.0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    double logits[3] = {rows[i][0], rows[i][1], 0.0};
    double z = std::exp(logits[0]) + std::exp(logits[1]) + std::exp(logits[2]);
    std::vector<double> got = cells(out[i + 1]);
    REQUIRE(got.size() == 4);
    for (int c = 0; c < 3; ++c) CHECK(got[c] == doctest::Approx(std::exp(logits[c]) / z).epsilon(1e-6));
    CHECK(got[3] == predicted[i]);
    log_loss_sum -= std::log(std::exp(logits[int(rows[i][2])]) / z);
  }
  // Confusion [[1,0,0],[1,2,0],[1,0,1]]: precision 1/3, 1, 1; recall 1, 2/3, 1/2; F1 1/2, 4/5, 2/3.
  CHECK(reported(r.err, "rows") == 6);
  CHECK(reported(r.err, "accuracy") == doctest::Approx(4.0 / 6.0).epsilon(1e-5));
  CHECK(reported(r.err, "log_loss") == doctest::Approx(log_loss_sum / 6.0).epsilon(1e-5));
  // (Printed with 6 decimals, so the expected figures are the closed forms rounded so.)
  CHECK(table_rows(r.err, "cat") == Rows{{1, 0, 0}, {0.333333, 1, 0.5, 1}});
  CHECK(table_rows(r.err, "dog, big") == Rows{{1, 2, 0}, {1, 0.666667, 0.8, 3}});
  CHECK(table_rows(r.err, "eel") == Rows{{1, 0, 1}, {1, 0.5, 0.666667, 2}});
  // Macro: (1/3 + 1 + 1)/3, (1 + 2/3 + 1/2)/3, (1/2 + 4/5 + 2/3)/3; weighted by support 1, 3, 2.
  CHECK(table_rows(r.err, "macro avg") == Rows{{0.777778, 0.722222, 0.655556, 6}});
  CHECK(table_rows(r.err, "weighted avg") == Rows{{0.888889, 0.666667, 0.705556, 6}});

  // Streaming: one row per chunk gives the same bytes, report included.
  CommandResult chunked = xtgrad_cli(dir, "predict --model " + dir.file("m.json") + " --input " + dir.file("d.csv") +
                                              " --labels-last --chunk-rows 1");
  CHECK(chunked.out == r.out);
  CHECK(chunked.err == r.err);

  // The library call behind it: rows of probabilities summing to 1, and predict_proba refuses the file.
  LoadedModel model = load_model(dir.file("m.json"));
  Prediction p = predict_rows(model, Array{{2, 0}, {0, 3}});
  CHECK(p.task == Task::multiclass);
  REQUIRE(p.values.shape() == std::vector<std::size_t>{2, 3});
  CHECK(p.values(0, 0) + p.values(0, 1) + p.values(0, 2) == doctest::Approx(1.0).epsilon(1e-6));
  CHECK_THROWS_WITH_AS(predict_proba(model, Array{{2, 0}}),
                       "predict: predict_proba is for binary models, and this file's metadata.task is \"multiclass\": "
                       "use predict_rows()",
                       std::invalid_argument);
}

TEST_CASE(
    "predict multiclass: a model ending in Softmax gives its probabilities once, one ending in Sigmoid is refused") {
  TempDir dir;
  std::shared_ptr<Module> linear = three_class_model().named_children().front().second;
  Sequential with_softmax{linear, std::make_shared<Softmax>(1)};
  save_weights(with_softmax, dir.file("softmax.json"), {{"task", "multiclass"}});
  Prediction p = predict_rows(load_model(dir.file("softmax.json")), Array{{2, 0}});
  double z = std::exp(2.0) + std::exp(0.0) + std::exp(0.0);  // logits [2, 0, 0]
  CHECK(p.values(0, 0) == doctest::Approx(std::exp(2.0) / z).epsilon(1e-6));
  CHECK(p.values(0, 1) == doctest::Approx(1.0 / z).epsilon(1e-6));

  Sequential with_sigmoid{linear, std::make_shared<Sigmoid>()};
  save_weights(with_sigmoid, dir.file("sigmoid.json"), {{"task", "multiclass"}});
  CHECK_THROWS_WITH_AS(predict_rows(load_model(dir.file("sigmoid.json")), Array{{2, 0}}),
                       doctest::Contains("those of row 1 sum to"), std::invalid_argument);
}

TEST_CASE("cli predict: log_loss clips as scikit-learn's, and one regression row has no R2") {
  TempDir dir;
  Sequential net = three_class_model();
  save_weights(net, dir.file("m.json"), {{"task", "multiclass"}});
  // Logits [-200, 0, 0] (p = [0, 0.5, 0.5] in float32) with label 0, and [1, 0, 0] with label 1.
  // scikit-learn 1.2.1: log_loss([0, 1], torch.softmax(tensor([[-200., 0, 0], [1, 0, 0]]), 1).numpy(),
  // labels=[0, 1, 2]) = 8.746915034002111 (clipped at float32's epsilon, rows renormalised); the
  // tool clipped at 1e-15 before and gave 18.05.
  dir.write("d.csv", "-200,0,0\n1,0,1\n");
  CommandResult r =
      xtgrad_cli(dir, "predict --model " + dir.file("m.json") + " --input " + dir.file("d.csv") + " --labels-last");
  REQUIRE(r.exit_code == 0);
  CHECK(reported(r.err, "log_loss") == doctest::Approx(8.746915034002111).epsilon(1e-6));

  auto linear = std::make_shared<Linear>(1, 1);
  Sequential one{linear};
  save_weights(one, dir.file("r.json"), {{"task", "regression"}});
  dir.write("one.csv", "1,2\n");
  CommandResult single =
      xtgrad_cli(dir, "predict --model " + dir.file("r.json") + " --input " + dir.file("one.csv") + " --labels-last");
  REQUIRE(single.exit_code == 0);
  CHECK(single.err.find("r2: undefined (needs at least two rows)") != std::string::npos);
}

TEST_CASE("cli predict regression: values in the targets' units, and MSE, RMSE, MAE, R2 as closed forms") {
  TempDir dir;
  auto linear = std::make_shared<Linear>(2, 1);
  linear->weight.mutable_value() = Array{{2, -1}};
  linear->bias.mutable_value() = Array{0.5f};
  Sequential net{linear};
  Json metadata = {{"task", "regression"},
                   {"standardize", {{"mean", {1.0, 0.0}}, {"std", {2.0, 1.0}}}},
                   {"target_standardize", {{"mean", {10.0}}, {"std", {3.0}}}}};
  save_weights(net, dir.file("m.json"), metadata);
  std::vector<std::array<double, 3>> rows{{1, 0, 11}, {3, 1, 13}, {-1, 2, 0}, {5, -1, 30}, {0, 0, 8}};
  std::string csv;
  for (auto& r : rows) csv += std::to_string(r[0]) + "," + std::to_string(r[1]) + "," + std::to_string(r[2]) + "\n";
  dir.write("d.csv", csv);
  CommandResult r = xtgrad_cli(dir, "predict --model " + dir.file("m.json") + " --input " + dir.file("d.csv") +
                                        " --labels-last --output " + dir.file("p.csv"));
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> out = lines_of(read_text(dir.file("p.csv")));
  REQUIRE(out.size() == 6);
  CHECK(out[0] == "prediction");
  double squared = 0, absolute = 0, mean = 0, deviations = 0;
  for (auto& row : rows) mean += row[2] / static_cast<double>(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    double y = (2.0 * (rows[i][0] - 1.0) / 2.0 - rows[i][1] + 0.5) * 3.0 + 10.0;
    CHECK(cells(out[i + 1])[0] == doctest::Approx(y).epsilon(1e-6));
    squared += (y - rows[i][2]) * (y - rows[i][2]);
    absolute += std::abs(y - rows[i][2]);
    deviations += (rows[i][2] - mean) * (rows[i][2] - mean);
  }
  CHECK(r.out.find("wrote 5 predictions to ") != std::string::npos);
  CHECK(reported(r.out, "mse") == doctest::Approx(squared / 5).epsilon(1e-5));
  CHECK(reported(r.out, "rmse") == doctest::Approx(std::sqrt(squared / 5)).epsilon(1e-5));
  CHECK(reported(r.out, "mae") == doctest::Approx(absolute / 5).epsilon(1e-5));
  CHECK(reported(r.out, "r2") == doctest::Approx(1.0 - squared / deviations).epsilon(1e-5));

  // Two outputs: one column each under its own header; --labels-last has one label to compare with.
  auto pair = std::make_shared<Linear>(2, 2);
  pair->weight.mutable_value() = Array{{1, 0}, {0, 1}};
  pair->bias.mutable_value() = Array{0, 0};
  Sequential two{pair};
  save_weights(two, dir.file("two.json"), {{"task", "regression"}});
  dir.write("x.csv", "1.5,-2\n3,4\n");
  CommandResult both = xtgrad_cli(dir, "predict --model " + dir.file("two.json") + " --input " + dir.file("x.csv"));
  REQUIRE(both.exit_code == 0);
  CHECK(both.out == "prediction_0,prediction_1\n1.5,-2\n3,4\n");
  CommandResult labelled =
      xtgrad_cli(dir, "predict --model " + dir.file("two.json") + " --input " + dir.file("d.csv") + " --labels-last");
  CHECK(labelled.exit_code == 1);
  CHECK(labelled.err.find("--labels-last compares one predicted value per row with the last column, but this model "
                          "gives 2 values per row") != std::string::npos);
  CHECK(labelled.out.empty());  // refused before any row was written
}

TEST_CASE("cli predict: a task, classes, targets or labels that do not fit give a clear error") {
  TempDir dir;
  Sequential three = three_class_model();
  Sequential one{std::make_shared<Linear>(2, 1)};
  auto steep = std::make_shared<Linear>(2, 3);  // logits [1e30·x0, x1, 0]: x0 = 1e30 overflows to inf
  steep->weight.mutable_value() = Array{{1e30f, 0}, {0, 1}, {0, 0}};
  steep->bias.mutable_value() = Array{0, 0, 0};
  Sequential overflowing{steep};
  struct Case {
    std::string name;
    const Module& model;
    Json metadata;
    std::string csv, extra, expected;
  };
  std::vector<Case> cases{
      {"unknown_task",
       one,
       {{"task", "ranking"}},
       "1,2\n",
       "",
       "metadata.task must be \"binary\", \"multiclass\" or \"regression\", got \"ranking\""},
      {"task_not_string", one, {{"task", 3}}, "1,2\n", "", "metadata.task must be"},
      {"binary_wide", three, Json::object(), "1,2\n", "",
       "the model gives [1, 3] outputs, but a binary model (metadata.task absent or \"binary\") gives one per row"},
      {"multiclass_narrow",
       one,
       {{"task", "multiclass"}},
       "1,2\n",
       "",
       "the model gives [1, 1] outputs, but a multiclass model gives [rows, C] scores with C >= 2 classes"},
      {"classes_count",
       three,
       {{"task", "multiclass"}, {"classes", {"a", "b"}}},
       "1,2\n",
       "",
       "metadata.classes must list 3 class names, one per model output, got 2 entries"},
      {"classes_type",
       three,
       {{"task", "multiclass"}, {"classes", {"a", 1, "c"}}},
       "1,2\n",
       "",
       "metadata.classes must hold strings, got 1"},
      {"label_range",
       three,
       {{"task", "multiclass"}},
       "x,y,label\n1,2,0\n1,2,3\n",
       " --labels-last",
       "label_range.csv:3:3: row 2 has label 3 in its last column; labels must be class indices 0 to 2 (whole "
       "numbers)"},
      {"label_fraction",
       three,
       {{"task", "multiclass"}},
       "1,2,1.5\n",
       " --labels-last",
       "label_fraction.csv:1:3: row 1 has label 1.5 in its last column; labels must be class indices 0 to 2"},
      {"label_negative", three, {{"task", "multiclass"}}, "1,2,-1\n", " --labels-last", "row 1 has label -1"},
      {"nan",
       overflowing,
       {{"task", "multiclass"}},
       "1,0,0\n1e30,0,1\n",
       " --labels-last",
       "nan.csv:2:1: the model gives NaN for this row, so no metrics can be computed"},
      {"target_std",
       one,
       {{"task", "regression"}, {"target_standardize", {{"mean", 0}, {"std", 0}}}},
       "1,2\n",
       "",
       "metadata.target_standardize.std[0] must be a positive finite number"},
      {"target_count",
       one,
       {{"task", "regression"}, {"target_standardize", {{"mean", {0, 1}}, {"std", {1, 1}}}}},
       "1,2\n",
       "",
       "metadata.target_standardize has 2 means and 2 standard deviations, but the model gives 1 outputs"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    save_weights(c.model, dir.file(c.name + ".json"), c.metadata);
    dir.write(c.name + ".csv", c.csv);
    CommandResult r = xtgrad_cli(dir, "predict --model " + dir.file(c.name + ".json") + " --input " +
                                          dir.file(c.name + ".csv") + c.extra);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("xtgrad: error: ") == 0);
    CHECK(r.err.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("cli predict: a sequence model needs T from its file or --steps, and every row must hold T steps") {
  TempDir dir;
  Generator gen(5);
  LSTMClassifier lstm(2, 3, 1, gen);
  save_weights(lstm, dir.file("bare.json"));
  save_weights(lstm, dir.file("t5.json"), {{"steps", 5}});
  Array seq = randn({2, 10}, gen).value();  // 5 steps of 2 features per row
  std::ostringstream csv;
  csv.precision(9);
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t c = 0; c < 10; ++c) csv << seq(r, c) << (c == 9 ? "\n" : ",");
  dir.write("seq.csv", csv.str());
  std::string input = " --input " + dir.file("seq.csv");
  CommandResult bare = xtgrad_cli(dir, "predict --model " + dir.file("bare.json") + input);
  CHECK(bare.exit_code == 1);
  CHECK(bare.err.find("this LSTMClassifier reads rows of T time steps, and its file records no metadata.steps: pass "
                      "--steps T") != std::string::npos);
  CommandResult given = xtgrad_cli(dir, "predict --model " + dir.file("bare.json") + input + " --steps 5");
  CommandResult recorded = xtgrad_cli(dir, "predict --model " + dir.file("t5.json") + input);
  CHECK(given.exit_code == 0);
  CHECK(recorded.exit_code == 0);
  CHECK(given.out == recorded.out);
  CHECK(lines_of(given.out).size() == 2);
  CommandResult short_rows = xtgrad_cli(dir, "predict --model " + dir.file("bare.json") + input + " --steps 4");
  CHECK(short_rows.exit_code == 1);
  CHECK(short_rows.err.find("each row must hold T x input_size = 4 x 2 = 8 numbers (time step by time step) for this "
                            "LSTMClassifier, got 10") != std::string::npos);
  CommandResult differs = xtgrad_cli(dir, "predict --model " + dir.file("t5.json") + input + " --steps 4");
  CHECK(differs.exit_code == 1);
  CHECK(differs.err.find("--steps 4 differs from the sequence length the model file records (metadata.steps = 5)") !=
        std::string::npos);
}

TEST_CASE("predict: a model taking token indices reads one id per column, as is, and names a bad id's row") {
  TempDir dir;
  // Without token_indices, the Sequential would give its Linear's width (12) as the row width.
  Generator gen(3);
  Sequential tokens{std::make_shared<Embedding>(EmbeddingOptions(10, 4), gen), std::make_shared<Flatten>(),
                    std::make_shared<Linear>(12, 1, true, gen)};
  save_weights(tokens, dir.file("tokens.json"));
  LoadedModel model = load_model(dir.file("tokens.json"));
  Array rows{{1, 2, 3}, {9, 0, 4}};
  Array expected = sigmoid(tokens.forward(Tensor(rows))).value();
  Array got = predict_rows(model, rows).values;
  REQUIRE(got.size() == 2);
  for (std::size_t r = 0; r < 2; ++r) CHECK(got(r) == expected(r, 0));
  CHECK(check_row_width(model, 3).vocabulary == 10);
  for (float bad : {10.0f, -1.0f, 1.5f}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(predict_rows(model, Array{{1, 2, 3}, {4, bad, 5}}),
                         doctest::Contains("column 2: token ids are whole numbers in [0, 10)"), RowError);
  }
  save_weights(tokens, dir.file("standardized.json"), {{"standardize", {{"mean", {0.0}}, {"std", {1.0}}}}});
  CHECK_THROWS_WITH_AS(predict_rows(load_model(dir.file("standardized.json")), rows),
                       doctest::Contains("metadata.standardize is for features"), std::invalid_argument);

  // A token sequence model: T is the row's width, or must match metadata.steps / --steps.
  SequenceClassifier seq(SequenceClassifierOptions(4, 5).num_embeddings(3).cell("gru"));
  save_weights(seq, dir.file("seq.json"), {{"steps", 4}});
  dir.write("ok.csv", "1,2,1,2\n0,1,1,2\n");
  CommandResult ok = xtgrad_cli(dir, "predict --model " + dir.file("seq.json") + " --input " + dir.file("ok.csv"));
  CHECK(ok.exit_code == 0);
  CHECK(lines_of(ok.out).size() == 2);
  dir.write("bad.csv", "1,2,1,2\n0,1,7,2\n");
  CommandResult bad = xtgrad_cli(dir, "predict --model " + dir.file("seq.json") + " --input " + dir.file("bad.csv"));
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find(
            "bad.csv:2: row 2, column 3: token ids are whole numbers in [0, 3) for this SequenceClassifier, got 7") !=
        std::string::npos);
  dir.write("short.csv", "1,2,1\n");
  CommandResult wrong_t =
      xtgrad_cli(dir, "predict --model " + dir.file("seq.json") + " --input " + dir.file("short.csv"));
  CHECK(wrong_t.exit_code == 1);
  CHECK(wrong_t.err.find("each row must hold T = 4 token ids for this SequenceClassifier, got 3") != std::string::npos);
}

TEST_CASE("predict: a T past the limit is refused with a clear error") {
  TempDir dir;
  Generator gen(5);
  LSTMClassifier lstm(2, 3, 1, gen);
  save_weights(lstm, dir.file("lstm.json"));
  LoadedModel model = load_model(dir.file("lstm.json"));
  // (2^62 + 1) x 4 features wraps to 4 in 64 bits: it must be refused, not taken for one step.
  std::size_t wraps = (std::size_t{1} << 62) + 1;
  CHECK_THROWS_WITH_AS(check_row_width(model, 4, wraps), doctest::Contains("T (--steps) must be between 1 and"),
                       std::invalid_argument);
  CHECK(check_row_width(model, 4, 2).features == 2);
}
