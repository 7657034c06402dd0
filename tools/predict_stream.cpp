// `xtgrad predict`, streaming: read a chunk of rows, score it, write its predictions, repeat.
// Memory is one chunk plus, with --labels-last, what the task's metrics keep (predict_metrics.hpp).
#include "predict_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
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

#include <xtgrad/io.hpp>

#include "predict.hpp"
#include "predict_metrics.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/io/detail/atomic_file.hpp"

namespace xtgrad::cli {
namespace {

// Splits the last column off as labels.
Array split_labels(Array& chunk) {
  std::size_t columns = chunk.shape()[1];
  Array labels = xt::view(chunk, xt::all(), columns - 1);
  Array features = xt::view(chunk, xt::all(), xt::range(0, columns - 1));
  chunk = std::move(features);
  return labels;
}

void check_no_nan(const Array& values, const ChunkPlace& place) {
  const std::size_t per_row = values.size() / values.shape()[0];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isnan(values.data()[i])) continue;
    std::string line = place.source + ":" + std::to_string(place.first_line + i / per_row) + ":1";
    detail::fail(line.c_str(), "the model gives NaN for this row, so no metrics can be computed");
  }
}

// A CSV cell: quoted (with "" for ") when it holds a comma, a quote or a line break.
std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// The output's header line: none for binary (one probability a line, as always); "p_<class>"
// per class then "class" for multiclass; "prediction" (or "prediction_<k>" per output) for regression.
std::string header_line(Task task, const std::vector<std::string>& names, std::size_t outputs) {
  std::string line;
  if (task == Task::multiclass) {
    for (const std::string& name : names) line += csv_cell("p_" + name) + ",";
    line += "class";
  } else if (task == Task::regression) {
    if (outputs == 1) line = "prediction";
    else
      for (std::size_t k = 0; k < outputs; ++k) line += (k ? ",prediction_" : "prediction_") + std::to_string(k);
  }
  return line.empty() ? line : line + "\n";
}

// One line per row: its values with 9 significant digits, comma-separated, and for multiclass
// the predicted class index (the first largest probability) last.
void format_rows(const Prediction& prediction, std::string& text) {
  const Array& v = prediction.values;
  const std::size_t rows = v.shape()[0], per_row = v.size() / rows;
  char number[32];
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = v.data() + r * per_row;
    for (std::size_t k = 0; k < per_row; ++k) {
      // Exactly printf's "%.9g" (std::to_chars with a precision is specified so; checked on
      // 20 million floats), at about a third of its cost.
      char* end = std::to_chars(number, number + sizeof number - 1, row[k], std::chars_format::general, 9).ptr;
      *end++ = k + 1 < per_row ? ',' : '\n';
      text.append(number, end);
    }
    if (prediction.task == Task::multiclass) {
      text.back() = ',';
      text += std::to_string(std::max_element(row, row + per_row) - row);
      text += '\n';
    }
  }
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

// T for a sequence model: --steps, else the file's metadata.steps; one of them must say it, or a
// row a step short would be read as a shorter sequence and give plausible numbers.
std::optional<std::size_t> sequence_steps(const LoadedModel& model, std::optional<std::size_t> flag) {
  std::optional<InputSpec> spec = model.module->input_spec();
  if (!spec || !spec->sequence) return std::nullopt;
  std::optional<std::size_t> recorded = recorded_steps(model.metadata);
  XTGRAD_CHECK(!flag || !recorded || *flag == *recorded, "predict", "--steps ", *flag,
               " differs from the sequence length the model file records (metadata.steps = ", recorded.value_or(0),
               ")");
  // A row of token ids has one per step, so T is its width; rows of features need T to be known.
  XTGRAD_CHECK(flag || recorded || spec->token_indices, "predict", "this ", model.module->type_name(),
               " reads rows of T time steps, and its file records no metadata.steps: pass --steps T");
  return flag ? flag : recorded;
}

}  // namespace

LoadedModel load_builtin_model(const std::string& path) {
  try {
    return load_model(path);
  } catch (const std::invalid_argument& e) {
    std::string message = e.what();
    if (message.find("unknown module type '") == std::string::npos) throw;
    throw std::invalid_argument(message.substr(0, message.find("; a module of your own")) +
                                "; the xtgrad command knows only these built-in types: a model holding a module of "
                                "your own is loaded by your own program (xtgrad::register_module_type, then "
                                "xtgrad::load_model)");
  }
}

int predict(const PredictArgs& args) {
  XTGRAD_CHECK(args.header == "auto" || args.header == "yes" || args.header == "no", "predict",
               "--header must be auto, yes or no, got '", args.header, "'");
  XTGRAD_CHECK(args.chunk_rows > 0, "predict", "--chunk-rows must be positive");
  LoadedModel model = load_builtin_model(args.model);

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

  Task task = model_task(model.metadata);
  std::optional<std::size_t> steps = sequence_steps(model, args.steps);
  // Every row has the first's width (the reader checks), so the width is checked once, here,
  // where the error can name the file and line.
  try {
    check_row_width(model, reader.columns() - (args.labels_last ? 1 : 0), steps);
  } catch (const std::invalid_argument& e) {
    // One column off is most often the label: taken as a feature, or a feature taken as it.
    std::optional<InputSpec> spec = model.module->input_spec();
    bool flat = spec && !spec->sequence && !spec->token_indices;
    std::string hint;
    if (flat && args.labels_last && reader.columns() == spec->features)
      hint = " (--labels-last took the last column as the label)";
    if (flat && !args.labels_last && reader.columns() == spec->features + 1)
      hint = "; if the last column is the label, pass --labels-last";
    throw std::invalid_argument(source + ":" + std::to_string(reader.first_data_line()) + ": " + e.what() + hint);
  }
  Sink sink(args.output);
  std::unique_ptr<StreamingMetrics> metrics;
  std::string text;
  std::size_t rows = 0;
  for (Array chunk = reader.read(args.chunk_rows); chunk.shape()[0] > 0; chunk = reader.read(args.chunk_rows)) {
    ChunkPlace place{source, reader.first_data_line() + rows, rows, reader.columns()};
    Array labels;
    if (args.labels_last) labels = split_labels(chunk);
    Prediction prediction;
    try {
      prediction = predict_rows(model, chunk, steps);
    } catch (const RowError& e) {  // name the file and line of the row
      throw std::invalid_argument(source + ":" + std::to_string(place.first_line + e.row) + ": row " +
                                  std::to_string(place.first_row + e.row + 1) + ", " + e.what());
    }
    text.clear();
    const std::size_t outputs = prediction.values.size() / prediction.values.shape()[0];
    if (rows == 0) {
      std::vector<std::string> names;
      if (task == Task::multiclass) names = class_names(model.metadata, outputs);
      text = header_line(task, names, outputs);
      if (args.labels_last) metrics = make_metrics(task, names);
    }
    // Metrics first: a chunk they refuse (a label, a NaN, a regression model of several outputs)
    // stops the run before its rows are written.
    if (args.labels_last) {
      metrics->check_labels(labels, place);
      check_no_nan(prediction.values, place);
      metrics->add(prediction.values, labels);
    }
    format_rows(prediction, text);
    sink.write(text);
    rows += chunk.shape()[0];
  }
  sink.finish();

  bool to_stdout = args.output == "-";
  // Metrics go to stderr when the predictions go to stdout, so both stay parseable.
  std::FILE* report = to_stdout ? stderr : stdout;
  if (metrics) std::fputs(metrics->report().c_str(), report);
  if (!to_stdout)
    std::fprintf(stdout, "wrote %zu %s to %s\n", rows, task == Task::binary ? "probabilities" : "predictions",
                 args.output.c_str());
  return 0;
}

}  // namespace xtgrad::cli
