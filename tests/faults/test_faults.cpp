// Faults against the real writers: save_weights, save_checkpoint and `xtgrad predict --output`
// run in child processes with the LD_PRELOAD interposer (interposer.cpp) failing write, fsync or
// rename at every call, writes failing past chosen bytes, and short writes. Each failure must be
// reported, leave the previous file byte for byte, and leave no temporary file. Then a crash
// loop: a checkpoint killed with SIGKILL mid-save must still load and resume.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "faults/training_state.hpp"
#include "support/temp_dir.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

using Args = std::vector<std::string>;
using Env = std::vector<std::pair<std::string, std::string>>;

struct Fault {
  std::string op, error = "ENOSPC";
  long long call = -1, after_bytes = -1, short_max = -1;

  std::string describe() const {
    std::string out = op.empty() ? "short writes" : op;
    if (call >= 0) out += " call " + std::to_string(call);
    if (after_bytes >= 0) out += " after " + std::to_string(after_bytes) + " bytes";
    if (short_max >= 0) out += " (writes of at most " + std::to_string(short_max) + " bytes)";
    return out + (op.empty() ? "" : ", " + error);
  }
  Env env() const {
    Env out{{"XTGRAD_FAULT_OP", op}, {"XTGRAD_FAULT_ERRNO", error}};
    if (call >= 0) out.emplace_back("XTGRAD_FAULT_CALL", std::to_string(call));
    if (after_bytes >= 0) out.emplace_back("XTGRAD_FAULT_AFTER_BYTES", std::to_string(after_bytes));
    if (short_max >= 0) out.emplace_back("XTGRAD_FAULT_SHORT", std::to_string(short_max));
    return out;
  }
};

/// The interposer, after the ASan runtime when the programs are built with GCC's ASan: that
/// runtime refuses to start unless it comes first among the loaded libraries.
std::string preload() {
  std::string asan = XTGRAD_ASAN_RUNTIME;
  return asan.empty() ? XTGRAD_FAULT_LIB : asan + ":" + XTGRAD_FAULT_LIB;
}

/// Runs `args` with `env` added (and the interposer preloaded when `faulty`); stdout and
/// stderr go to files in `logs`.
CommandResult run(const Args& args, const Env& env, const TempDir& logs, bool faulty = true) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (faulty) ::setenv("LD_PRELOAD", preload().c_str(), 1);
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    std::freopen(logs.file("out.txt").c_str(), "w", stdout);
    std::freopen(logs.file("err.txt").c_str(), "w", stderr);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(logs.file("out.txt")),
          read_text(logs.file("err.txt"))};
}

std::size_t temp_files(const TempDir& dir) {
  std::size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator(dir.path()))
    n += entry.path().filename().string().find(".tmp.") != std::string::npos;
  return n;
}

/// A writer under test: `command(version)` writes version 1 (the previous file) or 2 (the new
/// one) to `target`.
struct Writer {
  std::string target;
  std::function<Args(int)> command;
};

/// Breaks `writer` at every failure point a clean run of it passes through, and checks each.
void break_everywhere(const Writer& writer, const TempDir& dir, std::size_t line_step = 0) {
  TempDir logs;
  // A clean run counts the calls (the failure points) and gives the new file's bytes.
  CommandResult clean = run(writer.command(2), {{"XTGRAD_FAULT_REPORT", logs.file("counts.txt")}}, logs);
  REQUIRE_MESSAGE(clean.exit_code == 0, clean.err);
  std::ifstream counts_file(logs.file("counts.txt"));
  long long writes = 0, bytes = 0, fsyncs = 0, renames = 0;
  REQUIRE_MESSAGE((counts_file >> writes >> bytes >> fsyncs >> renames),
                  "the interposer did not load: LD_PRELOAD=", preload());
  std::string new_file = read_text(writer.target);
  REQUIRE(bytes == static_cast<long long>(new_file.size()));
  REQUIRE(fsyncs == 2);  // the file's, then the folder's
  REQUIRE(renames == 1);

  std::vector<Fault> faults;
  for (std::string error : {"ENOSPC", "EIO"}) {
    for (long long n = 1; n <= writes; ++n) faults.push_back({"write", error, n});
    for (long long n = 1; n <= fsyncs; ++n) faults.push_back({"fsync", error, n});
    faults.push_back({"rename", error, 1});
  }
  std::set<long long> offsets{0, 1, bytes / 3, bytes / 2, bytes - 1};
  // Where one buffered write ends and the next begins (every line_step lines), and either side.
  for (std::size_t at = 0, lines = 0; line_step > 0 && (at = new_file.find('\n', at)) != std::string::npos; ++at)
    if (++lines % line_step == 0)
      for (long long d : {-1, 0, 1}) offsets.insert(static_cast<long long>(at + 1) + d);
  for (long long offset : offsets)
    if (offset >= 0 && offset < bytes) faults.push_back({"write", "ENOSPC", -1, offset});
  faults.push_back({"write", "EIO", -1, bytes / 2, 7});                          // short writes, then a failure
  for (long long n : {1, 7, 4093}) faults.push_back({"", "ENOSPC", -1, -1, n});  // short writes only

  std::string old_file;
  for (const Fault& fault : faults) {
    CAPTURE(fault.describe());
    if (old_file.empty() || read_text(writer.target) != old_file) {
      REQUIRE(run(writer.command(1), {}, logs, false).exit_code == 0);
      old_file = read_text(writer.target);
      REQUIRE(old_file != new_file);
    }
    CommandResult r = run(writer.command(2), fault.env(), logs);
    // Only the folder's fsync (after the rename) may fail unreported; short writes must succeed.
    bool may_succeed = fault.op.empty() || (fault.op == "fsync" && fault.call == 2);
    if (r.exit_code == 0) {
      CHECK(may_succeed);
      CHECK(read_text(writer.target) == new_file);
    } else {
      INFO(r.err);
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("cannot write '" + writer.target + "'") != std::string::npos);
      CHECK(r.err.find(std::strerror(fault.error == "EIO" ? EIO : ENOSPC)) != std::string::npos);
      CHECK(!fault.op.empty());
      CHECK(read_text(writer.target) == old_file);
    }
    CHECK(temp_files(dir) == 0);
  }
  MESSAGE(faults.size(), " failure points: ", writes, " writes (", bytes, " bytes), ", fsyncs, " fsyncs, ", renames,
          " rename");
}

}  // namespace

TEST_CASE("faults: save_weights reports every failure and keeps the previous file") {
  TempDir dir;
  std::string target = dir.file("model.json");
  break_everywhere({target,
                    [&](int v) {
                      return Args{XTGRAD_FAULT_VICTIM, "weights", target, std::to_string(v)};
                    }},
                   dir);
}

TEST_CASE("faults: save_checkpoint reports every failure and keeps the previous file") {
  TempDir dir;
  std::string target = dir.file("checkpoint.json");
  break_everywhere({target,
                    [&](int v) {
                      return Args{XTGRAD_FAULT_VICTIM, "checkpoint", target, std::to_string(v)};
                    }},
                   dir);
}

TEST_CASE("faults: xtgrad predict --output reports every failure and keeps the previous file") {
  TempDir inputs, dir;
  Generator gen(5);
  Sequential model{std::make_shared<Linear>(3, 4, true, gen), std::make_shared<Tanh>(),
                   std::make_shared<Linear>(4, 1, true, gen)};
  save_weights(model, inputs.file("m.json"));
  for (int v : {1, 2}) {
    std::string rows;
    Array x = randn({1000, 3}, gen).value();
    for (std::size_t r = 0; r < 1000; ++r)
      rows += std::to_string(x(r, 0)) + "," + std::to_string(x(r, 1)) + "," + std::to_string(x(r, 2)) + "\n";
    inputs.write("x" + std::to_string(v) + ".csv", rows);
  }
  std::string target = dir.file("p.csv");
  // 100 rows a chunk: ten writes, so failures land between and inside them.
  break_everywhere({target,
                    [&](int v) {
                      return Args{XTGRAD_CLI,     "predict",
                                  "--model",      inputs.file("m.json"),
                                  "--input",      inputs.file("x" + std::to_string(v) + ".csv"),
                                  "--output",     target,
                                  "--chunk-rows", "100"};
                    }},
                   dir, 100);
}

// The crash loop's model width: a 2.7 MB checkpoint, or 0.8 MB under ASan, which saves and
// loads it about seven times slower (the loop would take three minutes instead of one).
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kCrashLoopHidden = 128;
#else
constexpr std::size_t kCrashLoopHidden = 256;
#endif

TEST_CASE("faults: a checkpoint killed at 50 random moments of saving still loads and resumes") {
  TempDir dir;
  std::string hidden = std::to_string(kCrashLoopHidden);
  std::string path = dir.file("checkpoint.json");
  std::mt19937 random(20261129);
  std::FILE* lines = nullptr;
  auto start_saving = [&] {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::execl(XTGRAD_FAULT_VICTIM, XTGRAD_FAULT_VICTIM, "checkpoint-loop", path.c_str(), "7", hidden.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    lines = ::fdopen(out[0], "r");
    return pid;
  };
  auto next_line = [&] {
    char line[64] = "";
    return std::fgets(line, sizeof line, lines) ? std::string(line) : std::string();
  };
  auto stop = [&](pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::fclose(lines);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  };

  // The first checkpoint, and how long one save takes here (build type and load change it tenfold).
  pid_t pid = start_saving();
  REQUIRE(next_line() == "ready\n");
  REQUIRE(next_line() == "saved 1\n");
  auto before = std::chrono::steady_clock::now();
  REQUIRE(next_line() == "saved 2\n");
  auto save_time = std::chrono::steady_clock::now() - before;
  stop(pid);
  MESSAGE("one save of ", std::filesystem::file_size(path), " bytes takes ",
          std::chrono::duration_cast<std::chrono::milliseconds>(save_time).count(), " ms");

  // Most of a save is building the JSON in memory: half the kills come at any moment, half in
  // the short stretch when the temporary file exists (being written, flushed or renamed).
  std::size_t stale = 0;
  for (int kill = 0; kill < 50; ++kill) {
    CAPTURE(kill);
    pid = start_saving();
    REQUIRE(next_line() == "ready\n");
    if (kill % 2 == 0) {
      std::uniform_int_distribution<long long> moment(0, 2 * save_time.count());
      std::this_thread::sleep_for(std::chrono::steady_clock::duration(moment(random)));
    } else {
      auto give_up = std::chrono::steady_clock::now() + 10 * save_time;
      while (temp_files(dir) == 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 2000)(random)));
    }
    CHECK(stop(pid));
    faults::TrainingState state(64, kCrashLoopHidden, 99);  // other weights: loading must replace them all
    std::int64_t epoch = 0;
    CHECK_NOTHROW(epoch = state.load(path));
    CHECK(epoch >= 1);
    CHECK_NOTHROW(state.step());  // and training resumes from it
    // A killed save cannot remove its temporary file; nothing else is left.
    stale += temp_files(dir);
    for (auto& entry : std::filesystem::directory_iterator(dir.path()))
      if (entry.path().filename().string().find(".tmp.") != std::string::npos) std::filesystem::remove(entry.path());
  }
  MESSAGE(stale, " of 50 kills landed while a temporary file existed (a killed writer leaves it behind)");
}
