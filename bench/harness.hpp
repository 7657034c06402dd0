// The timing harness shared by xtgrad_bench and torch_bench: command line, warm-up, repeated
// timed runs, the median, and the one-line report. Plain C++ so that neither side depends on the other.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace bench {

/// What both programs accept. steps and warmup of 0 mean "the workload's default".
struct Options {
  std::string workload;
  int threads = 1;
  long steps = 0;
  int repeats = 5;
  long warmup = -1;
  bool check_memory = false;
};

/// Default steps per repetition, chosen so that a whole run (warm-up + 5 repetitions) takes
/// about 1-3 s on one core of the reference machine.
inline const std::map<std::string, long>& default_steps() {
  static const std::map<std::string, long> steps = {{"W1", 2000}, {"W2", 200},   {"W3", 4},    {"W4", 40},
                                                    {"W5", 50},   {"W5s", 1000}, {"W6", 1000}, {"W7", 60},
                                                    {"W8", 100},  {"W9", 30},    {"I1", 5000}, {"I3", 10}};
  return steps;
}

/// Adds the flags both programs share to `app` (a program may add its own before parsing).
inline void add_common_flags(CLI::App& app, Options& o) {
  std::vector<std::string> names;
  for (const auto& kv : default_steps()) names.push_back(kv.first);
  app.add_option("--workload", o.workload, "W1 W2 W3 W4 W5 W5s W6 W7 W8 W9 I1 I3 (see bench/README.md)")
      ->required()
      ->check(CLI::IsMember(names));
  app.add_option("--threads", o.threads, "intra-op threads")->check(CLI::PositiveNumber);
  app.add_option("--steps", o.steps, "steps per timed repetition (default: per workload)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--repeats", o.repeats, "timed repetitions; the median is reported")->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup, "untimed steps first (default: steps / 5, at least 2)");
}

/// Fills in the per-workload defaults after parsing.
inline void resolve_defaults(Options& o) {
  if (o.steps == 0) o.steps = default_steps().at(o.workload);
  if (o.warmup < 0) o.warmup = std::max(2L, o.steps / 5);
}

/// Runs `step` warmup times, then `repeats` times `steps` times, and returns the median over
/// the repetitions of (time of the repetition / steps), in microseconds.
inline double median_us_per_step(const std::function<void()>& step, const Options& o) {
  for (long i = 0; i < o.warmup; ++i) step();
  std::vector<double> per_step;
  for (int r = 0; r < o.repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < o.steps; ++i) step();
    std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
    per_step.push_back(elapsed.count() / static_cast<double>(o.steps));
  }
  std::sort(per_step.begin(), per_step.end());
  std::size_t n = per_step.size();
  return n % 2 == 1 ? per_step[n / 2] : 0.5 * (per_step[n / 2 - 1] + per_step[n / 2]);
}

/// Peak resident set size of this process so far, in kB (Linux reports ru_maxrss in kB).
inline long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/// Current resident set size in kB, from the second field of /proc/self/statm (pages).
inline long current_rss_kb() {
  std::ifstream statm("/proc/self/statm");
  long size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/// The two lines compare.sh parses.
inline void report(const Options& o, const char* impl, double us_per_step) {
  std::printf("workload=%s impl=%s threads=%d us_per_step=%.2f\n", o.workload.c_str(), impl, o.threads, us_per_step);
  std::printf("peak_rss_kb=%ld\n", peak_rss_kb());
}

}  // namespace bench
