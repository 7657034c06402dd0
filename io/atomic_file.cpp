// Atomic replacement with mkstemp + write + fsync + rename (POSIX), so a crash or a full disk
// never leaves a truncated file where a good one was.
#include "atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace xtgrad {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int error) {
  throw std::runtime_error("cannot write '" + path + "': " + what + ": " + std::strerror(error));
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& contents) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string pattern = (folder / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> temp(pattern.begin(), pattern.end());
  temp.push_back('\0');

  int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(path, "cannot create a temporary file in '" + folder.string() + "'", errno);
  auto abandon = [&](const std::string& what) {
    int error = errno;
    ::close(fd);
    ::unlink(temp.data());
    fail(path, what, error);
  };
  const char* data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) abandon("writing failed");
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::fchmod(fd, 0644) != 0) abandon("cannot set permissions");
  if (::fsync(fd) != 0) abandon("flushing to disk failed");
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(temp.data());
    fail(path, "closing failed", error);
  }
  if (::rename(temp.data(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.data());
    fail(path, "cannot move the temporary file into place", error);
  }
  // Make the rename itself durable; a failure here cannot tear the file, so it is not fatal.
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace xtgrad
