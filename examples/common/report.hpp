// What the examples print: a progress line per epoch (a bar redrawn in place on a terminal,
// plain lines otherwise), a summary table, and wall-clock time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace xtgrad::examples {

/// Per-epoch progress. On a terminal (isatty(stdout)) one line is redrawn in place:
/// "epoch  37/200 [=====>    ] loss ..."; otherwise plain lines, about ten per run plus the
/// last. Prints nothing when quiet.
class Progress {
 public:
  Progress(int total_epochs, bool quiet);
  /// After epoch `epoch` (1-based) with its metrics already formatted ("loss 0.31 acc 88.0%").
  void update(int epoch, const std::string& metrics);
  /// Ends the progress output; `note` (e.g. "stopped early at epoch 12") goes on its own line.
  void finish(const std::string& note = "");

 private:
  std::string line(int epoch, const std::string& metrics) const;
  int total_;
  bool quiet_, terminal_, pending_ = false;
  int last_epoch_ = 0;
  std::string last_metrics_;
  std::chrono::steady_clock::time_point last_draw_;
};

/// A text table with aligned columns: first column left-aligned, the others right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  Table& row(std::vector<std::string> cells);
  std::string str() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const;

 private:
  std::chrono::steady_clock::time_point start_;
};

/// "97.4%" for 0.974.
std::string percent(double fraction);
/// value with a fixed number of decimals.
std::string fixed(double value, int decimals = 4);

}  // namespace xtgrad::examples
