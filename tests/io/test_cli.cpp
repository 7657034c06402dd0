// The `xtgrad` command, run as a user would: predictions, metrics, inspect, and bad input.
#include <sstream>

#include <xtensor/xview.hpp>

#include "predict.hpp"
#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "xtgrad/io.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

using Result = CommandResult;

Result run_cli(const TempDir& dir, const std::string& args) { return run_command(dir, XTGRAD_CLI, args); }

std::vector<float> numbers(const std::string& text) {
  std::vector<float> out;
  std::istringstream in(text);
  for (float v; in >> v;) out.push_back(v);
  return out;
}

std::string csv_rows(const Array& rows, const std::string& header = "") {
  std::ostringstream s;
  if (!header.empty()) s << header << "\n";
  s.precision(9);
  for (std::size_t r = 0; r < rows.shape()[0]; ++r) {
    for (std::size_t c = 0; c < rows.shape()[1]; ++c) s << (c ? "," : "") << rows(r, c);
    s << "\n";
  }
  return s.str();
}

}  // namespace

TEST_CASE("cli predict: one probability per row, equal to predict_proba, for MLPs and LSTMs") {
  TempDir dir;
  Generator gen(3);
  Sequential mlp{std::make_shared<Linear>(3, 5, true, gen), std::make_shared<ReLU>(),
                 std::make_shared<Linear>(5, 1, true, gen)};
  Json stats = {{"standardize", {{"mean", {1.0, -2.0, 0.5}}, {"std", {2.0, 0.5, 1.0}}}}};
  save_weights(mlp, dir.file("mlp.json"), stats);
  Array x = randn({6, 3}, gen).value();
  dir.write("x.csv", csv_rows(x, "f1,f2,f3"));
  Array raw = read_csv(dir.file("x.csv")).values;  // what the command reads, to the last bit
  Array expected = predict_proba(load_model(dir.file("mlp.json")), raw);
  Result r = run_cli(dir, "predict --model " + dir.file("mlp.json") + " --input " + dir.file("x.csv"));
  CHECK(r.exit_code == 0);
  std::vector<float> got = numbers(r.out);
  REQUIRE(got.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(got[i] == doctest::Approx(expected(i)).epsilon(1e-8));
  // Standardisation is applied: compare with the network on (x − mean)/std by hand.
  Array z = (raw - Array{1.0f, -2.0f, 0.5f}) / Array{2.0f, 0.5f, 1.0f};
  Array manual = sigmoid(mlp(Tensor(z))).value();
  for (std::size_t i = 0; i < 6; ++i) CHECK(got[i] == doctest::Approx(manual(i, 0)).epsilon(1e-6));

  LSTMClassifier lstm(2, 4, 1, gen);
  save_weights(lstm, dir.file("lstm.json"));
  Array seq = randn({3, 10}, gen).value();  // 5 steps of 2 features per row
  dir.write("seq.csv", csv_rows(seq));
  Array seq_raw = read_csv(dir.file("seq.csv")).values;
  Array lstm_expected = sigmoid(lstm(reshape(Tensor(seq_raw), {3, 5, 2}))).value();
  Result lr =
      run_cli(dir, "predict --model " + dir.file("lstm.json") + " --input " + dir.file("seq.csv") + " --steps 5");
  CHECK(lr.exit_code == 0);
  std::vector<float> lstm_got = numbers(lr.out);
  REQUIRE(lstm_got.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(lstm_got[i] == doctest::Approx(lstm_expected(i, 0)).epsilon(1e-6));
}

TEST_CASE("cli predict: a Sigmoid last layer is used as is, and --labels-last reports metrics") {
  TempDir dir;
  Generator gen(4);
  Sequential net{std::make_shared<Linear>(2, 1, true, gen), std::make_shared<Sigmoid>()};
  save_weights(net, dir.file("m.json"));
  dir.write("d.csv", "x,y,label\n1,2,1\n-1,0.5,0\n0.3,-2,1\n2,2,0\n");
  Result r = run_cli(dir, "predict --model " + dir.file("m.json") + " --input " + dir.file("d.csv") +
                              " --labels-last --output " + dir.file("p.csv"));
  CHECK(r.exit_code == 0);
  std::vector<float> p = numbers(read_text(dir.file("p.csv")));
  Array direct = net(Tensor(Array{{1, 2}, {-1, 0.5f}, {0.3f, -2}, {2, 2}})).value();
  REQUIRE(p.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(p[i] == doctest::Approx(direct(i, 0)).epsilon(1e-7));
  Array probs = Array::from_shape({4});
  std::copy(p.begin(), p.end(), probs.begin());
  Array labels{1, 0, 1, 0};
  std::ostringstream acc;
  acc << "accuracy: " << accuracy(probs, labels);
  CHECK(r.out.find(acc.str()) != std::string::npos);
  CHECK(r.out.find("roc_auc: ") != std::string::npos);
  CHECK(r.out.find("log_loss: ") != std::string::npos);
}

TEST_CASE("cli: bad input gives a clear error and a non-zero exit, never a crash") {
  TempDir dir;
  Sequential net{std::make_shared<Linear>(3, 1)};
  save_weights(net, dir.file("m.json"));
  std::string model = " --model " + dir.file("m.json");
  struct Case {
    std::string name, csv, extra, expected;
  };
  std::vector<Case> cases{
      {"ragged", "1,2,3\n4,5,6\n7,8\n", "", "ragged.csv:3:1: expected 3 columns (as on line 1), got 2"},
      {"text", "a,b,c\n1,2,3\n4,x,6\n", "", "text.csv:3:2: 'x' is not a number"},
      {"width", "a,b,c,d\n1,2,3,4\n", "",
       "width.csv:2: predict: the model takes 3 features per row, got 4; if the last column is the label, pass "
       "--labels-last\n"},
      {"wider", "a,b,c,d,e\n1,2,3,4,5\n", "", "wider.csv:2: predict: the model takes 3 features per row, got 5\n"},
      {"narrow", "1,2,3\n", " --labels-last",
       "narrow.csv:1: predict: the model takes 3 features per row, got 2 (--labels-last took the last column as the "
       "label)\n"},
      {"extra", "1,2,3\n4,5,6,7\n", "", "extra.csv:2:4: expected 3 columns (as on line 1), got 4"},
      {"missing", "1,2,3\n4,,6\n", "", "missing.csv:2:2: empty cell, expected a number"},
      {"empty", "", "", "empty.csv: the file has no data (it is empty)"},
      {"labels", "1,2,3,0.5\n", " --labels-last", "row 1 has label 0.500000 in its last column; labels must be 0 or 1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    dir.write(c.name + ".csv", c.csv);
    Result r = run_cli(dir, "predict" + model + " --input " + dir.file(c.name + ".csv") + c.extra);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("xtgrad: error: ") == 0);
    CHECK(r.err.find(c.expected) != std::string::npos);
  }
  Result missing = run_cli(dir, "predict --model " + dir.file("nope.json") + " --input " + dir.file("ragged.csv"));
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find(dir.file("nope.json")) != std::string::npos);
  dir.write("bad.json", "{\"format\": \"xtgrad-weights\", \"version\": 1, \"parameters\": {}}");
  Result no_arch = run_cli(dir, "predict --model " + dir.file("bad.json") + " --input " + dir.file("ragged.csv"));
  CHECK(no_arch.err.find("\"model\" (the architecture) is missing") != std::string::npos);
  CHECK(run_cli(dir, "predict --input x.csv").exit_code != 0);  // --model is required
  CHECK(run_cli(dir, "frobnicate").exit_code != 0);
}

TEST_CASE("cli: a model of a type of the user's own is refused with advice the command line can follow") {
  TempDir dir;
  dir.write("own.json", R"({"format": "xtgrad-weights", "version": 2, "model": {"type": "Scaled"}, "parameters": {}})");
  dir.write("x.csv", "1,2\n");
  for (const std::string& command : {"predict --input " + dir.file("x.csv"), std::string("inspect")}) {
    CAPTURE(command);
    Result r = run_cli(dir, command + " --model " + dir.file("own.json"));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("own.json: model: unknown module type 'Scaled' (registered: BatchNorm1d, ") != std::string::npos);
    CHECK(r.err.find("; the xtgrad command knows only these built-in types: a model holding a module of your own is "
                     "loaded by your own program (xtgrad::register_module_type, then xtgrad::load_model)\n") !=
          std::string::npos);
    CHECK(r.err.find("register_module_type<Scaled>") == std::string::npos);  // not doable from here
  }
}

TEST_CASE("cli: a misspelt option is named, not reported as the required option it was meant to be") {
  TempDir dir;
  for (std::string args : {"predict --model m.json --inptu x.csv", "inspect --modle m.json"}) {
    CAPTURE(args);
    Result r = run_cli(dir, args);
    CHECK(r.exit_code != 0);
    std::string misspelt = args.substr(args.rfind(" --") + 1);  // "--inptu x.csv", "--modle m.json"
    CHECK(r.err.find("The following arguments were not expected: " + misspelt + "\n") == 0);
    CHECK(r.err.find("is required") == std::string::npos);
  }
  Result missing = run_cli(dir, "predict --model m.json");  // with nothing unexpected, the requirement
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("--input is required") == 0);
}

TEST_CASE("cli inspect: architecture, every parameter with shape and count, metadata") {
  TempDir dir;
  LSTMClassifier model(8, 16, 1);
  save_weights(model, dir.file("m.json"), {{"accuracy", 0.97}});
  Result r = run_cli(dir, "inspect --model " + dir.file("m.json"));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("LSTMClassifier(") != std::string::npos);
  CHECK(r.out.find("lstm.weight_ih_l0") != std::string::npos);
  CHECK(r.out.find("[64, 8]") != std::string::npos);
  CHECK(r.out.find("fc.bias") != std::string::npos);
  std::size_t total = 0;
  for (const Tensor& p : model.parameters()) total += p.numel();
  CHECK(r.out.find("total: " + std::to_string(total)) != std::string::npos);
  CHECK(r.out.find("\"accuracy\": 0.97") != std::string::npos);
  CHECK(run_cli(dir, "inspect --help").exit_code == 0);
  CHECK(run_cli(dir, "predict --help").exit_code == 0);
}

TEST_CASE("cli predict: streams in chunks, from stdin to stdout, with the same numbers and exact line numbers") {
  TempDir dir;
  Generator gen(6);
  Sequential net{std::make_shared<Linear>(2, 3, true, gen), std::make_shared<Tanh>(),
                 std::make_shared<Linear>(3, 1, true, gen)};
  save_weights(net, dir.file("m.json"), {{"standardize", {{"mean", {0.5, -1.0}}, {"std", {2.0, 0.25}}}}});
  std::string model = "predict --model " + dir.file("m.json");
  dir.write("x.csv", csv_rows(randn({10, 2}, gen).value(), "u,v"));
  Result whole = run_cli(dir, model + " --input " + dir.file("x.csv"));
  REQUIRE(whole.exit_code == 0);
  REQUIRE(numbers(whole.out).size() == 10);
  for (std::string chunk : {"1", "3", "10"}) {
    CAPTURE(chunk);
    Result piped = run_cli(dir, model + " --input - --output - --chunk-rows " + chunk + " < " + dir.file("x.csv"));
    CHECK(piped.exit_code == 0);
    CHECK(piped.out == whole.out);  // identical text: standardization and all, chunk by chunk
  }
  // An error in a later chunk names its line in the file; --output is left as it was.
  dir.write("late.csv", csv_rows(randn({7, 2}, gen).value()) + "1,x\n");
  dir.write("p.csv", "previous\n");
  Result late =
      run_cli(dir, model + " --chunk-rows 2 --input " + dir.file("late.csv") + " --output " + dir.file("p.csv"));
  CHECK(late.exit_code == 1);
  CHECK(late.err.find(dir.file("late.csv") + ":8:2: 'x' is not a number") != std::string::npos);
  CHECK(read_text(dir.file("p.csv")) == "previous\n");
  Result from_stdin = run_cli(dir, model + " --chunk-rows 2 --input - < " + dir.file("late.csv"));
  CHECK(from_stdin.err.find("<stdin>:8:2: 'x' is not a number") != std::string::npos);
  for (auto& entry : std::filesystem::directory_iterator(dir.path()))
    CHECK(entry.path().filename().string().find(".tmp.") == std::string::npos);  // no temporary file left
}

TEST_CASE("cli predict: --header auto, yes and no") {
  TempDir dir;
  Sequential net{std::make_shared<Linear>(3, 1)};
  save_weights(net, dir.file("m.json"));
  std::string model = "predict --model " + dir.file("m.json") + " --input " + dir.file("d.csv");
  dir.write("d.csv", "1,2,3\n4,5,6\n");
  CHECK(numbers(run_cli(dir, model).out).size() == 2);  // auto: a line of numbers is data
  CHECK(numbers(run_cli(dir, model + " --header no").out).size() == 2);
  CHECK(numbers(run_cli(dir, model + " --header yes").out).size() == 1);
  dir.write("d.csv", "a,b,c\n4,5,6\n");
  CHECK(numbers(run_cli(dir, model).out).size() == 1);
  Result no = run_cli(dir, model + " --header no");
  CHECK(no.exit_code == 1);
  CHECK(no.err.find("d.csv:1:1: 'a' is not a number") != std::string::npos);
  CHECK(run_cli(dir, model + " --header maybe").exit_code != 0);
}

TEST_CASE("cli predict: --labels-last metrics over many chunks equal the metrics over all rows") {
  TempDir dir;
  Generator gen(8);
  Sequential net{std::make_shared<Linear>(2, 1, true, gen)};
  save_weights(net, dir.file("m.json"));
  Array x = randn({500, 2}, gen).value();
  for (std::size_t r = 0; r < 100; ++r) x(r, 0) = x(r, 1) = 0.0f;  // tied scores across chunks
  Array labels = Array::from_shape({500});
  Array table = Array::from_shape({500, 3});
  for (std::size_t r = 0; r < 500; ++r) {
    labels(r) = static_cast<float>((r * 7919) % 3 == 0);
    table(r, 0) = x(r, 0), table(r, 1) = x(r, 1), table(r, 2) = labels(r);
  }
  dir.write("d.csv", csv_rows(table));
  Array features = xt::view(read_csv(dir.file("d.csv")).values, xt::all(), xt::range(0, 2));
  Array p = predict_proba(load_model(dir.file("m.json")), features);  // all rows at once
  ConfusionMatrix m = confusion_matrix(p, labels);
  std::ostringstream expected;
  expected << "rows: 500\naccuracy: " << accuracy(p, labels) << "\nconfusion: tn " << m.true_negatives << " fp "
           << m.false_positives << " fn " << m.false_negatives << " tp " << m.true_positives
           << " (threshold 0.5)\nroc_auc: " << roc_auc(p, labels) << "\nlog_loss: " << log_loss(p, labels) << "\n";
  for (std::string chunk : {"7", "4096"}) {
    Result r = run_cli(dir, "predict --model " + dir.file("m.json") + " --input " + dir.file("d.csv") +
                                " --labels-last --chunk-rows " + chunk);
    CHECK(r.exit_code == 0);
    CHECK(r.err == expected.str());  // metrics to stderr when the probabilities go to stdout
  }
  dir.write("bad.csv", csv_rows(table) + "1,2,0.5\n");
  Result bad = run_cli(dir, "predict --model " + dir.file("m.json") + " --input " + dir.file("bad.csv") +
                                " --labels-last --chunk-rows 7");
  CHECK(bad.err.find("bad.csv:501:3: row 501 has label 0.500000") != std::string::npos);
}
