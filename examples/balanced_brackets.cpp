// balanced_brackets: a recurrent SequenceClassifier (Embedding → GRU or LSTM → LayerNorm →
// Dropout → Linear) learns whether a string of brackets is balanced. Half the sequences are
// balanced; most of the others hold exactly as many '(' as ')' but close one too early
// somewhere, so a model that only counts tokens (the bag-of-tokens baseline) cannot tell them
// apart: only the order of the tokens decides.
//
//   build/examples/balanced_brackets                     # GRU
//   build/examples/balanced_brackets --cell both --bidirectional
#include <iostream>

#include "common/cli.hpp"
#include "common/report.hpp"
#include "common/split.hpp"
#include "common/training.hpp"

using namespace xtgrad;
using namespace xtgrad::examples;

namespace {

// Token ids: the padding token is 0, and its embedding row stays zero.
constexpr float kPad = 0.0f, kOpen = 1.0f, kClose = 2.0f;
constexpr std::size_t kVocabulary = 3;

struct Options {
  CommonOptions common;
  std::string cell = "gru";
  bool bidirectional = false, layer_norm = true;
  std::size_t steps = 40, train_size = 6000, embedding_dim = 8;
  double dropout = 0.1, clip = 1.0, target = 0.99;
  // Share of the unbalanced sequences with one bracket flipped (counts off by two): the only
  // ones counting can catch. The rest have equal counts and a prefix that goes negative.
  double flipped = 0.2;
  int baseline_epochs = 20;
};

// The lowest depth any prefix reaches ('(' adds one, ')' takes one away).
int lowest_depth(const std::vector<float>& tokens) {
  int depth = 0, lowest = 0;
  for (float t : tokens) {
    depth += t == kOpen ? 1 : -1;
    lowest = std::min(lowest, depth);
  }
  return lowest;
}

// '(' then n − 1 '(' and n − 1 ')' in a random order (Fisher–Yates), then ')': every sequence
// opens and closes like a balanced one, so the first and last tokens tell nothing.
std::vector<float> shuffled_pairs(std::size_t n, Generator& gen) {
  std::vector<float> tokens(2 * n, kClose);
  std::fill(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(n), kOpen);
  for (std::size_t i = tokens.size() - 2; i > 1; --i) std::swap(tokens[i], tokens[1 + gen.below(i)]);
  return tokens;
}

// `count` sequences of even length 6..steps, padded at the front to `steps` tokens (so the last
// step is the last bracket); label 1 = balanced, for every other row. An unbalanced one either
// has a bracket of a balanced one flipped (a share `flipped` of them: the only ones counting can
// catch) or as many '(' as ')' with a prefix going exactly one below zero, the hardest case.
Dataset make_brackets(std::size_t count, std::size_t steps, double flipped, Generator& gen) {
  Dataset d{Array::from_shape({count, steps}), Array::from_shape({count, std::size_t{1}})};
  d.x.fill(kPad);
  for (std::size_t row = 0; row < count; ++row) {
    const std::size_t pairs = 3 + gen.below(steps / 2 - 2);
    const bool positive = row % 2 == 0, flip = !positive && gen.uniform() < flipped;
    const int wanted_lowest = positive || flip ? 0 : -1;
    std::vector<float> tokens = shuffled_pairs(pairs, gen);
    while (lowest_depth(tokens) != wanted_lowest) tokens = shuffled_pairs(pairs, gen);
    if (flip) {
      float& t = tokens[gen.below(tokens.size())];
      t = t == kOpen ? kClose : kOpen;
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) d.x(row, steps - tokens.size() + i) = tokens[i];
    d.y(row, 0) = positive ? 1.0f : 0.0f;
  }
  return d;
}

// What the baseline sees: how many pads, '(' and ')' each sequence holds.
Dataset token_counts(const Dataset& d) {
  const std::size_t steps = d.x.shape()[1];
  Dataset counts{xt::zeros<float>({d.size(), kVocabulary}), d.y};
  for (std::size_t row = 0; row < d.size(); ++row)
    for (std::size_t t = 0; t < steps; ++t) counts.x(row, static_cast<std::size_t>(d.x(row, t))) += 1.0f;
  return counts;
}

struct Trained {
  std::string name;
  std::shared_ptr<SequenceClassifier> model;
  Evaluation test;
  int epochs = 0;
  double seconds = 0.0;
};

Trained train_cell(const std::string& cell, const Options& o, const Dataset& train, const Dataset& val,
                   const Dataset& test, Generator& gen) {
  Stopwatch clock;
  std::vector<std::size_t> hidden = parse_sizes(o.common.hidden);
  for (std::size_t h : hidden)
    if (h != hidden[0]) throw std::invalid_argument("--hidden: stacked layers share one size, got " + o.common.hidden);
  auto model = std::make_shared<SequenceClassifier>(SequenceClassifierOptions(o.embedding_dim, hidden[0])
                                                        .num_embeddings(kVocabulary)
                                                        .padding_idx(static_cast<std::int64_t>(kPad))
                                                        .cell(cell)
                                                        .num_layers(hidden.size())
                                                        .bidirectional(o.bidirectional)
                                                        .dropout(o.dropout)
                                                        .layer_norm(o.layer_norm),
                                                    gen);
  Trained result{(o.bidirectional ? "bidirectional " : "") + std::string(cell == "gru" ? "GRU" : "LSTM"), model, {}};
  if (!o.common.quiet) std::cout << "\n" << model->repr() << "\n";
  std::unique_ptr<Optimizer> optimizer = make_optimizer(o.common.optimizer, model->parameters(), o.common.lr);
  Progress progress(o.common.epochs, o.common.quiet);
  double val_accuracy = 0.0;
  for (int epoch = 1; epoch <= o.common.epochs && val_accuracy < o.target; ++epoch) {
    EpochResult trained = train_epoch(*model, *optimizer, train, o.common.batch_size, gen, o.clip, epoch);
    Evaluation on_val = evaluate(*model, val);
    val_accuracy = on_val.accuracy;
    result.epochs = epoch;
    progress.update(epoch, epoch_summary(trained, "val", on_val));
  }
  progress.finish(val_accuracy >= o.target ? "reached " + percent(o.target) + " validation accuracy after " +
                                                 std::to_string(result.epochs) + " epochs"
                                           : "");
  result.test = evaluate(*model, test);
  result.seconds = clock.seconds();
  return result;
}

int run(const Options& o) {
  Stopwatch clock;
  apply_threads(o.common);
  manual_seed(o.common.seed);  // the dropout masks come from the default generator
  Generator gen(o.common.seed);
  Dataset train = make_brackets(o.train_size, o.steps, o.flipped, gen);
  Dataset val = make_brackets(1000, o.steps, o.flipped, gen), test = make_brackets(2000, o.steps, o.flipped, gen);
  if (!o.common.quiet)
    std::cout << train.size() << " training sequences of up to " << o.steps
              << " brackets, padded at the front; half balanced\n";

  std::vector<Trained> runs;
  for (const std::string& cell :
       o.cell == "both" ? std::vector<std::string>{"gru", "lstm"} : std::vector<std::string>{o.cell})
    runs.push_back(train_cell(cell, o, train, val, test, gen));

  // Baseline: an MLP on the token counts alone, trained the same way.
  Dataset train_counts = token_counts(train), test_counts = token_counts(test);
  Sequential baseline{std::make_shared<Linear>(kVocabulary, 16, true, gen), std::make_shared<ReLU>(),
                      std::make_shared<Linear>(16, 1, true, gen)};
  std::unique_ptr<Optimizer> baseline_optimizer =
      make_optimizer(o.common.optimizer, baseline.parameters(), o.common.lr);
  for (int epoch = 0; epoch < o.baseline_epochs; ++epoch)
    train_epoch(baseline, *baseline_optimizer, train_counts, o.common.batch_size, gen);
  Evaluation baseline_test = evaluate(baseline, test_counts);

  Table table({"", "accuracy", "loss", "epochs", "seconds"});
  for (const Trained& r : runs)
    table.row({r.name, percent(r.test.accuracy), fixed(r.test.loss), std::to_string(r.epochs), fixed(r.seconds, 1)});
  table.row({"MLP on token counts", percent(baseline_test.accuracy), fixed(baseline_test.loss),
             std::to_string(o.baseline_epochs), ""});
  std::cout << "\nheld-out test set (" << test.size() << " sequences)\n" << table.str();

  OutputDir out(o.common.out_dir);
  Json metadata = {{"example", "balanced_brackets"},
                   {"steps", o.steps},
                   {"input", "token ids padded at the front to steps: 0 pad, 1 '(', 2 ')'"},
                   {"options", options_json(o.common)}};
  for (const Trained& r : runs) {
    metadata["test_accuracy"] = r.test.accuracy;
    const std::string file = runs.size() == 1 ? "model.json" : r.model->options.cell() + ".json";
    out.save_model(file, *r.model, metadata, r.name + " weights (xtgrad predict / inspect)");
  }
  metadata["test_accuracy"] = baseline_test.accuracy;
  metadata["input"] = "the shares of pad, '(' and ')' tokens";
  out.save_model("baseline.json", baseline, metadata, "token-count MLP baseline weights");
  std::string header;
  for (std::size_t t = 1; t <= o.steps; ++t) header += "t" + std::to_string(t) + ",";
  out.write("test.csv", labelled_rows_csv(test.x, test.y, header + "balanced"),
            "held-out token rows (0 pad, 1 '(', 2 ')'), 1 if balanced last");
  print_closing(out, runs.size() == 1 ? "model.json" : "gru.json", "test.csv", o.common.quiet, clock.seconds());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"balanced_brackets: a GRU or LSTM learns whether brackets balance; a bag of token counts cannot"};
  Options o;
  o.common.epochs = 30;
  o.common.lr = 0.005;
  o.common.hidden = "32";
  o.common.batch_size = 32;
  o.common.out_dir = "runs/balanced_brackets";
  add_common_options(app, o.common);
  app.get_option("--hidden")->description("Recurrent hidden size; 32,32 stacks two layers of 32");
  app.add_option("--cell", o.cell, "Recurrent cell; both trains the two and compares them")
      ->check(CLI::IsMember({"gru", "lstm", "both"}));
  app.add_flag("--bidirectional,!--no-bidirectional", o.bidirectional, "Read the sequences in both directions");
  app.add_flag("--layer-norm,!--no-layer-norm", o.layer_norm, "LayerNorm on the final hidden state");
  app.add_option("--dropout", o.dropout, "Dropout before the last Linear (and between stacked layers)")
      ->check(CLI::Range(0.0, 0.9));
  app.add_option("--embedding-dim", o.embedding_dim, "Width of the token embedding")->check(CLI::Range(1, 1024));
  app.add_option("--steps", o.steps, "Longest sequence (and the padded length)")->check(CLI::Range(8, 200));
  app.add_option("--train-size", o.train_size, "Number of training sequences")->check(CLI::Range(16, 1000000));
  app.add_option("--flipped", o.flipped, "Share of unbalanced sequences with one bracket flipped")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--clip", o.clip, "Gradient-norm clipping threshold (0: off)")->check(CLI::NonNegativeNumber);
  app.add_option("--target-accuracy", o.target, "Stop once validation accuracy reaches this")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--baseline-epochs", o.baseline_epochs, "Epochs for the token-count baseline")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "balanced_brackets: error: " << e.what() << "\n";
    return 1;
  }
}
