// Shared command-line handling. CLI11 validates ranges and choices, so main() only sees
// usable values.
#include "cli.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "report.hpp"
// In-tree only: the library's own atomic write (not installed), so a killed example leaves no half file.
#include "xtgrad/io/detail/atomic_file.hpp"

namespace fs = std::filesystem;

namespace xtgrad::examples {

void add_common_options(CLI::App& app, CommonOptions& o, const std::string& data_help) {
  app.option_defaults()->always_capture_default();
  app.add_option("--epochs", o.epochs, "Number of passes over the training set (at most)")->check(CLI::PositiveNumber);
  app.add_option("--lr", o.lr, "Learning rate")->check(CLI::PositiveNumber);
  app.add_option("--batch-size", o.batch_size, "Mini-batch size")->check(CLI::PositiveNumber);
  app.add_option("--hidden", o.hidden, "Hidden layer sizes, comma-separated");
  app.add_option("--optimizer", o.optimizer, "sgd (momentum 0.9), adam or adamw")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  app.add_option("--seed", o.seed, "Seed for data, initial weights and shuffling");
  app.add_option("--threads", o.threads, "Threads for large matrix products (small ones always use one)")
      ->check(CLI::PositiveNumber);
  app.add_option("--out", o.out_dir, "Output folder for weights, plots and metrics (created if missing)");
  app.add_flag("--quiet", o.quiet, "No per-epoch progress and no file listing");
  if (!data_help.empty()) app.add_option("--data", o.data, data_help);
}

std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> sizes;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find(',', start), text.size());
    std::string part = text.substr(start, end - start);
    bool digits = !part.empty() && part.size() <= 6 && part.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoul(part) == 0)
      throw std::invalid_argument("--hidden: expected positive integers separated by commas (e.g. 32,32), got '" +
                                  text + "'");
    sizes.push_back(std::stoul(part));
    start = end + 1;
  }
  return sizes;
}

std::string layer_sizes(std::size_t in, const std::string& hidden, std::size_t out) {
  std::string sizes = std::to_string(in);
  for (std::size_t h : parse_sizes(hidden)) sizes += "-" + std::to_string(h);
  return sizes + "-" + std::to_string(out);
}

Json options_json(const CommonOptions& o) {
  Json j = {{"epochs", o.epochs},       {"lr", o.lr},     {"batch_size", o.batch_size}, {"hidden", o.hidden},
            {"optimizer", o.optimizer}, {"seed", o.seed}, {"threads", o.threads}};
  if (!o.data.empty()) j["data"] = o.data;
  return j;
}

std::string find_data_file(const std::string& file_name, const std::string& override_path) {
  if (!override_path.empty()) {
    if (!fs::is_regular_file(override_path)) throw std::runtime_error("--data: no such file: " + override_path);
    return override_path;
  }
  std::vector<fs::path> candidates;
#ifdef XTGRAD_EXAMPLES_DATA_DIR
  candidates.push_back(fs::path(XTGRAD_EXAMPLES_DATA_DIR) / file_name);
#endif
  std::error_code error;
  fs::path exe_dir = fs::read_symlink("/proc/self/exe", error).parent_path();
  if (!error)
    for (const char* up : {".", "..", "../.."})
      candidates.push_back((exe_dir / up / "data" / file_name).lexically_normal());
  std::string tried;
  for (const fs::path& p : candidates) {
    if (fs::is_regular_file(p)) return p.string();
    tried += "\n  " + p.string();
  }
  throw std::runtime_error("cannot find " + file_name + "; looked in:" + tried + "\npass its path with --data");
}

OutputDir::OutputDir(const std::string& path) : path_(path) {
  std::error_code error;
  fs::create_directories(path_, error);
  if (error || !fs::is_directory(path_))
    throw std::runtime_error("cannot create the output folder '" + path_ + "': " + error.message());
}

std::string OutputDir::file(const std::string& name) const { return (fs::path(path_) / name).string(); }

void OutputDir::write(const std::string& name, const std::string& contents, const std::string& what) {
  write_file_atomically(file(name), contents);
  written_.emplace_back(file(name), what);
}

void OutputDir::save_model(const std::string& name, const Module& model, const Json& metadata,
                           const std::string& what) {
  save_weights(model, file(name), metadata);
  written_.emplace_back(file(name), what);
}

std::string OutputDir::listing() const {
  std::size_t width = 0;
  for (const auto& item : written_) width = std::max(width, item.first.size());
  std::string out;
  for (const auto& [path, what] : written_)
    out += "  " + path + std::string(width - path.size() + 2, ' ') + what + "\n";
  return out;
}

std::string labelled_rows_csv(const Array& x, const Array& y, const std::string& header) {
  std::string out = header.empty() ? "" : header + "\n";
  std::size_t rows = x.shape()[0], row_size = rows == 0 ? 0 : x.size() / rows;
  char number[32];
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < row_size; ++k) {
      std::snprintf(number, sizeof number, "%.9g,", x.data()[r * row_size + k]);
      out += number;
    }
    std::snprintf(number, sizeof number, "%.9g\n", y.data()[r]);  // a class index, or a regression target
    out += number;
  }
  return out;
}

void apply_threads(const CommonOptions& o) {
  set_num_threads(o.threads);
  if (!o.quiet) std::cout << build_summary() << ", " << o.threads << (o.threads == 1 ? " thread\n" : " threads\n");
}

std::string shell_quoted(const std::string& word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr("_./-+=:,@%", c) != nullptr;
  });
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string tool_command() {
  std::error_code error;
  const fs::path built = XTGRAD_TOOL_PATH;
  if (!fs::is_regular_file(built, error)) return "xtgrad";  // the build tree is gone: the installed tool
  fs::path relative = fs::relative(built, fs::current_path(error), error);
  std::string path = built.string();
  if (!error && !relative.empty() && relative.string().size() < path.size())
    path = relative.has_parent_path() ? relative.string() : "./" + relative.string();
  return shell_quoted(path);
}

void print_closing(const OutputDir& out, const std::string& model_file, const std::string& test_file, bool quiet,
                   double seconds) {
  if (!quiet)
    std::cout << "\nwrote:\n"
              << out.listing() << "check with: " << tool_command() << " predict --model "
              << shell_quoted(out.file(model_file)) << " --input " << shell_quoted(out.file(test_file))
              << " --labels-last\n";
  std::cout << "total time " << fixed(seconds, 2) << " s\n";
}

}  // namespace xtgrad::examples
