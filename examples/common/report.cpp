// Progress output, tables and timing for the examples.
#include "report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace xtgrad::examples {

Progress::Progress(int total_epochs, bool quiet)
    : total_(std::max(total_epochs, 1)), quiet_(quiet), terminal_(::isatty(STDOUT_FILENO) == 1) {}

std::string Progress::line(int epoch, const std::string& metrics) const {
  int width = static_cast<int>(std::to_string(total_).size());
  char head[64];
  std::snprintf(head, sizeof head, "epoch %*d/%d ", width, epoch, total_);
  std::string out = head;
  if (terminal_) {
    const int bar = 24, filled = std::clamp(bar * epoch / total_, 0, bar);
    out += "[" + std::string(filled, '=') + (filled < bar ? ">" : "") +
           std::string(bar - filled - (filled < bar ? 1 : 0), ' ') + "] ";
  }
  return out + metrics;
}

void Progress::update(int epoch, const std::string& metrics) {
  if (quiet_) return;
  last_epoch_ = epoch;
  last_metrics_ = metrics;
  auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    // Redraw at most 20 times a second; the terminal is slower than a small model's epoch.
    if (epoch != total_ && epoch != 1 && now - last_draw_ < std::chrono::milliseconds(50)) {
      pending_ = true;
      return;
    }
    std::printf("\r\033[2K%s", line(epoch, metrics).c_str());
    last_draw_ = now;
    pending_ = false;
  } else {
    int every = std::max(total_ / 10, 1);
    pending_ = !(epoch == 1 || epoch % every == 0 || epoch == total_);
    if (!pending_) std::printf("%s\n", line(epoch, metrics).c_str());
  }
  std::fflush(stdout);
}

void Progress::finish(const std::string& note) {
  if (quiet_) return;
  if (terminal_) {
    if (last_epoch_ > 0) std::printf("\r\033[2K%s\n", line(last_epoch_, last_metrics_).c_str());
  } else if (pending_) {
    std::printf("%s\n", line(last_epoch_, last_metrics_).c_str());
  }
  pending_ = false;
  if (!note.empty()) std::printf("%s\n", note.c_str());
  std::fflush(stdout);
}

Table::Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

Table& Table::row(std::vector<std::string> cells) {
  rows_.push_back(std::move(cells));
  return *this;
}

std::string Table::str() const {
  std::vector<std::size_t> widths;
  for (const auto& r : rows_)
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (widths.size() <= c) widths.push_back(0);
      widths[c] = std::max(widths[c], r[c].size());
    }
  auto format_row = [&](const std::vector<std::string>& r) {
    std::string out;
    for (std::size_t c = 0; c < r.size(); ++c) {
      std::string pad(widths[c] - r[c].size(), ' ');
      out += "  " + (c == 0 ? r[c] + pad : pad + r[c]);
    }
    return out + "\n";
  };
  std::size_t total = 0;
  for (std::size_t w : widths) total += w + 2;
  std::string out = format_row(rows_[0]) + "  " + std::string(total - 2, '-') + "\n";
  for (std::size_t k = 1; k < rows_.size(); ++k) out += format_row(rows_[k]);
  return out;
}

double Stopwatch::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * fraction);
  return buffer;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace xtgrad::examples
