// Atomic replacement with a temporary file + write + fsync + rename (POSIX), so a crash or a
// full disk never leaves a truncated file where a good one was.
#include "xtgrad/io/detail/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <vector>

namespace xtgrad {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const std::string& step, int error) {
  throw std::runtime_error("cannot write '" + path + "': " + step + ": " + std::strerror(error));
}

// Follows symbolic links one hop at a time (as the kernel would, up to its 40 hops) and returns
// the file they end at, which may not exist yet: saving through a dangling link creates the
// file it names, as open(O_CREAT) does. realpath() cannot be used: it fails on missing files.
std::string follow_links(const std::string& path) {
  fs::path at(path);
  for (int hops = 0;; ++hops) {
    struct stat info;
    if (::lstat(at.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return at.string();
    if (hops == 40) fail(path, "following symbolic links", ELOOP);
    std::vector<char> link(PATH_MAX);
    ssize_t length = ::readlink(at.c_str(), link.data(), link.size());
    if (length < 0) fail(path, "reading the symbolic link '" + at.string() + "'", errno);
    fs::path next(std::string(link.data(), static_cast<std::size_t>(length)));
    at = next.is_absolute() ? next : at.parent_path() / next;
  }
}

fs::path folder_of(const fs::path& target) {
  return target.parent_path().empty() ? fs::path(".") : target.parent_path();
}

// ".<name>.tmp.<12 hex digits>" beside the target: hidden, and recognisably ours.
std::string temp_name(const fs::path& target) {
  thread_local std::mt19937_64 random(
      std::random_device{}() ^ static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
      static_cast<std::uint64_t>(::getpid()));
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%012llx", static_cast<unsigned long long>(random() & 0xffffffffffffULL));
  return (folder_of(target) / ("." + target.filename().string() + ".tmp." + suffix)).string();
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(const std::string& path) : path_(path), target_(follow_links(path)) {
  struct stat existing;
  bool replacing = ::stat(target_.c_str(), &existing) == 0 && S_ISREG(existing.st_mode);
  // A new file: 0666 filtered by the umask (and a default ACL) exactly as open() filters it.
  // A replacement: created with the old permission bits, which the umask can only narrow, then
  // given them exactly, so the temporary file is never more open than the file it replaces.
  mode_t create_mode = replacing ? (existing.st_mode & 0777) : 0666;
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_ = temp_name(target_);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, create_mode);
    if (fd_ < 0 && (errno != EEXIST || attempt == 100)) {
      int error = errno;
      temp_.clear();  // not ours: nothing to remove
      fail("cannot create a temporary file in '" + folder_of(target_).string() + "'", error);
    }
  }
  if (replacing) {
    // The group first: chown may clear set-id bits, which fchmod then restores. The new file's
    // group is the process's or a setgid folder's; setting one the process is not a member of
    // is refused (EPERM), and the file then keeps that default. The owner is not copied: a
    // file given to another user before it is complete could be changed by them.
    struct stat created;
    if (::fstat(fd_, &created) == 0 && created.st_gid != existing.st_gid)
      (void)::fchown(fd_, static_cast<uid_t>(-1), existing.st_gid);
    if (::fchmod(fd_, existing.st_mode & 07777) != 0) fail("cannot copy the permissions of the old file", errno);
  }
}

AtomicFileWriter::~AtomicFileWriter() { discard(); }

void AtomicFileWriter::write(std::string_view data) {
  if (fd_ < 0) throw std::logic_error("AtomicFileWriter::write after commit or failure ('" + path_ + "')");
  while (!data.empty()) {
    ssize_t written = ::write(fd_, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    // A regular file only writes nothing when it cannot grow: report that as a full disk.
    if (written <= 0) fail("writing failed", written == 0 ? ENOSPC : errno);
    data.remove_prefix(static_cast<std::size_t>(written));  // a short write: go on with the rest
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) throw std::logic_error("AtomicFileWriter::commit called twice or after a failure ('" + path_ + "')");
  if (::fsync(fd_) != 0) fail("flushing to disk failed", errno);
  int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) fail("closing failed", errno);
  if (::rename(temp_.c_str(), target_.c_str()) != 0) fail("cannot move the temporary file into place", errno);
  temp_.clear();
  // Make the rename itself durable. A failure here cannot tear the file: after a crash the
  // folder shows the old file or the new one, both whole, so it is not reported.
  int dir = ::open(folder_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
}

void AtomicFileWriter::fail(const std::string& step, int error) {
  discard();
  xtgrad::fail(path_, step, error);
}

void AtomicFileWriter::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  AtomicFileWriter file(path);
  file.write(contents);
  file.commit();
}

}  // namespace xtgrad
