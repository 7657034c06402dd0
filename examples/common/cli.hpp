// Command-line options shared by the examples (CLI11), finding shipped data, and the output
// folder that receives weights, plots and metrics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtgrad/io.hpp>

namespace xtgrad::examples {

/// The flags every example takes. Set the fields to the example's defaults, then call
/// add_common_options(): --help shows those defaults.
struct CommonOptions {
  int epochs = 100;
  double lr = 0.01;
  std::size_t batch_size = 32;
  std::string hidden = "32,32";    ///< comma-separated hidden sizes
  std::string optimizer = "adam";  ///< sgd | adam | adamw
  std::uint64_t seed = 0;
  int threads = 1;      ///< for large matrix products (set_num_threads)
  std::string out_dir;  ///< default runs/<example>
  bool quiet = false;
  std::string data;  ///< only for examples that read a data file
};

/// Adds --epochs, --lr, --batch-size, --hidden, --optimizer, --seed, --threads, --out and
/// --quiet, plus --data when `data_help` is not empty.
void add_common_options(CLI::App& app, CommonOptions& options, const std::string& data_help = "");

/// "32,32" -> {32, 32}; throws std::invalid_argument unless every entry is a positive integer.
std::vector<std::size_t> parse_sizes(const std::string& text);

/// "2-32-32-1" for in = 2, hidden = "32,32", out = 1: a network's layer sizes for titles.
std::string layer_sizes(std::size_t in, const std::string& hidden, std::size_t out);

/// The options as JSON, recorded in the weights file's metadata.
Json options_json(const CommonOptions& options);

/// The path of a file shipped in the repository's data/ folder: `override_path` when given,
/// else the source tree's data/ (a compile definition), else data/ beside, or one or two
/// levels above, the executable. Throws std::runtime_error listing the places tried.
std::string find_data_file(const std::string& file_name, const std::string& override_path = "");

/// The folder that receives an example's outputs, created when missing. Every file is written
/// atomically (io/atomic_file.hpp) and remembered, so the example can list them at the end.
class OutputDir {
 public:
  explicit OutputDir(const std::string& path);
  std::string file(const std::string& name) const;
  /// Writes `contents` to file(name); `what` describes it in listing().
  void write(const std::string& name, const std::string& contents, const std::string& what);
  /// save_weights() to file(name), in the JSON format `xtgrad predict` and `xtgrad inspect` read.
  void save_model(const std::string& name, const Module& model, const Json& metadata, const std::string& what);
  /// "  <path>  <what>" for every file written, one per line, in writing order.
  std::string listing() const;

 private:
  std::string path_;
  std::vector<std::pair<std::string, std::string>> written_;
};

/// CSV text of the rows of x [N, ...] (each row flattened) with the label y [N] or [N, 1] (0/1,
/// a class index or a target value) as last column, under `header` (may be empty): the input
/// `xtgrad predict --labels-last` takes.
std::string labelled_rows_csv(const Array& x, const Array& y, const std::string& header);

/// `word` as a POSIX shell reads it back: unchanged when it holds only safe characters, else in
/// single quotes.
std::string shell_quoted(const std::string& word);

/// The `xtgrad` tool as a command the user can paste in the folder they ran the example from:
/// the tool built beside the examples (the shorter of its absolute and relative paths), or plain
/// `xtgrad` (an installed copy on PATH) when that build tree is gone.
std::string tool_command();

/// An example's last lines: unless quiet, the files written and the `xtgrad predict` command
/// that checks `model_file` on `test_file` (both in `out`); then the total time.
void print_closing(const OutputDir& out, const std::string& model_file, const std::string& test_file, bool quiet,
                   double seconds);

/// Applies --threads (set_num_threads) and, unless quiet, prints the build and thread count.
void apply_threads(const CommonOptions& options);

}  // namespace xtgrad::examples
