// A fresh temporary folder per test, removed afterwards.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace xtgrad::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "xtgrad-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& contents) const {
    std::ofstream(file(name), std::ios::binary) << contents;
    return file(name);
  }
  std::size_t count_files() const {
    std::size_t n = 0;
    for (auto& entry : std::filesystem::directory_iterator(path_)) n += entry.is_regular_file();
    return n;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct CommandResult {
  int exit_code;
  std::string out, err;
};

/// Runs `command` through the shell in `dir`, as a user would type it there, capturing stdout and
/// stderr.
inline CommandResult run_shell(const TempDir& dir, const std::string& command) {
  std::string line = "cd '" + dir.path().string() + "' && " + command + " > stdout.txt 2> stderr.txt";
  int status = std::system(line.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(dir.file("stdout.txt")),
          read_text(dir.file("stderr.txt"))};
}

/// Runs `program args` in `dir` as the working directory.
inline CommandResult run_command(const TempDir& dir, const std::string& program, const std::string& args) {
  return run_shell(dir, "'" + program + "' " + args);
}

}  // namespace xtgrad::testing
