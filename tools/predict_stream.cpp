// `xtgrad predict`, streaming: read a chunk of rows, score it, write its probabilities, repeat.
// Memory is one chunk plus, with --labels-last, one float per row for ROC-AUC.
#include "predict_stream.hpp"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <xtensor/xview.hpp>

#include <xtgrad/xtgrad.hpp>

#include "../core/detail/check.hpp"

namespace xtgrad::cli {
namespace {

// Metrics over every chunk. Counts and the log-loss sum are exact across chunks; ROC-AUC needs
// all scores at once, so each row's probability is kept (4 bytes a row, in two lists by label:
// the label is implied, and AUC then needs no index array to sort).
class StreamingMetrics {
 public:
  void add(const Array& p, const Array& labels) {
    ConfusionMatrix m = confusion_matrix(p, labels);
    counts_.true_negatives += m.true_negatives;
    counts_.false_positives += m.false_positives;
    counts_.false_negatives += m.false_negatives;
    counts_.true_positives += m.true_positives;
    log_loss_sum_ += log_loss(p, labels) * static_cast<double>(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) (labels(i) == 1.0f ? positives_ : negatives_).push_back(p(i));
    rows_ += p.size();
  }

  std::string report() {
    std::ostringstream out;
    const ConfusionMatrix& m = counts_;
    out << "rows: " << rows_ << "\naccuracy: "
        << static_cast<double>(m.true_positives + m.true_negatives) / static_cast<double>(rows_) << "\n";
    out << "confusion: tn " << m.true_negatives << " fp " << m.false_positives << " fn " << m.false_negatives
        << " tp " << m.true_positives << " (threshold 0.5)\n";
    if (!positives_.empty() && !negatives_.empty()) out << "roc_auc: " << roc_auc() << "\n";
    else out << "roc_auc: undefined (only one class among the labels)\n";
    out << "log_loss: " << log_loss_sum_ / static_cast<double>(rows_) << "\n";
    return out.str();
  }

 private:
  // Mann-Whitney U, as xtgrad::roc_auc: each positive counts the negatives scored below it, and
  // half of those tied with it.
  double roc_auc() {
    std::sort(positives_.begin(), positives_.end());
    std::sort(negatives_.begin(), negatives_.end());
    double u = 0.0;
    std::size_t below = 0;
    for (std::size_t i = 0; i < positives_.size();) {
      float score = positives_[i];
      std::size_t same = i;
      while (same < positives_.size() && positives_[same] == score) ++same;
      while (below < negatives_.size() && negatives_[below] < score) ++below;
      std::size_t tied = below;
      while (tied < negatives_.size() && negatives_[tied] == score) ++tied;
      u += static_cast<double>(same - i) * (static_cast<double>(below) + 0.5 * static_cast<double>(tied - below));
      i = same;
    }
    return u / (static_cast<double>(positives_.size()) * static_cast<double>(negatives_.size()));
  }

  ConfusionMatrix counts_;
  double log_loss_sum_ = 0.0;
  std::vector<float> positives_, negatives_;
  std::size_t rows_ = 0;
};

std::string where(const std::string& source, std::size_t line, std::size_t column) {
  return source + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// Splits the last column off as labels, checking each is 0 or 1; `first_line` is the chunk's
// first line in the file, so errors point at the line whatever chunk it falls in.
Array split_labels(Array& chunk, const std::string& source, std::size_t first_line, std::size_t first_row) {
  std::size_t rows = chunk.shape()[0], columns = chunk.shape()[1];
  Array labels = xt::view(chunk, xt::all(), columns - 1);
  for (std::size_t r = 0; r < rows; ++r)
    XTGRAD_CHECK(labels(r) == 0.0f || labels(r) == 1.0f, where(source, first_line + r, columns).c_str(), "row ",
                 first_row + r + 1, " has label ", std::to_string(labels(r)), " in its last column; labels must be 0 or 1");
  Array features = xt::view(chunk, xt::all(), xt::range(0, columns - 1));
  chunk = std::move(features);
  return labels;
}

void check_no_nan(const Array& p, const std::string& source, std::size_t first_line) {
  for (std::size_t r = 0; r < p.size(); ++r)
    XTGRAD_CHECK(!std::isnan(p(r)), where(source, first_line + r, 1).c_str(),
                 "the model gives NaN for this row, so no metrics can be computed");
}

// Where the probabilities go: stdout, or a file that replaces --output only when all is written.
class Sink {
 public:
  explicit Sink(const std::string& output) {
    if (output != "-") file_.emplace(output);
  }
  void write(const std::string& text) {
    if (file_) file_->write(text);
    else if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) stdout_failed();
  }
  void finish() {
    if (file_) file_->commit();
    else if (std::fflush(stdout) != 0) stdout_failed();
  }

 private:
  [[noreturn]] static void stdout_failed() {
    throw std::runtime_error(std::string("cannot write to standard output: ") + std::strerror(errno));
  }

  std::optional<AtomicFileWriter> file_;
};

}  // namespace

int predict(const PredictArgs& args) {
  XTGRAD_CHECK(args.header == "auto" || args.header == "yes" || args.header == "no", "predict",
               "--header must be auto, yes or no, got '", args.header, "'");
  XTGRAD_CHECK(args.chunk_rows > 0, "predict", "--chunk-rows must be positive");
  LoadedModel model = load_model(args.model);

  bool from_stdin = args.input == "-";
  std::string source = from_stdin ? "<stdin>" : args.input;
  std::ifstream file;
  if (!from_stdin) {
    file.open(args.input, std::ios::binary);
    if (!file) throw std::runtime_error("cannot read '" + args.input + "': no such file, or it is not readable");
  }
  CsvOptions options;
  options.allow_header = args.header != "no";
  options.require_header = args.header == "yes";
  CsvReader reader(from_stdin ? std::cin : file, source, options);
  XTGRAD_CHECK(!args.labels_last || reader.columns() >= 2, source.c_str(), "--labels-last needs at least two columns");

  Sink sink(args.output);
  StreamingMetrics metrics;
  std::string text;
  std::size_t rows = 0;
  char number[32];
  for (Array chunk = reader.read(args.chunk_rows); chunk.shape()[0] > 0; chunk = reader.read(args.chunk_rows)) {
    std::size_t first_line = reader.first_data_line() + rows;
    Array labels;
    if (args.labels_last) labels = split_labels(chunk, source, first_line, rows);
    Array p = predict_proba(model, chunk);
    text.clear();
    for (float v : p) {
      // Exactly printf's "%.9g" (std::to_chars with a precision is specified so; checked on
      // 20 million floats), at about a third of its cost.
      char* end = std::to_chars(number, number + sizeof number - 1, v, std::chars_format::general, 9).ptr;
      *end++ = '\n';
      text.append(number, end);
    }
    sink.write(text);
    if (args.labels_last) {
      check_no_nan(p, source, first_line);
      metrics.add(p, labels);
    }
    rows += p.size();
  }
  sink.finish();

  bool to_stdout = args.output == "-";
  // Metrics go to stderr when the probabilities go to stdout, so both stay parseable.
  std::FILE* report = to_stdout ? stderr : stdout;
  if (args.labels_last) std::fputs(metrics.report().c_str(), report);
  if (!to_stdout) std::fprintf(stdout, "wrote %zu probabilities to %s\n", rows, args.output.c_str());
  return 0;
}

}  // namespace xtgrad::cli
