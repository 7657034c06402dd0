// Atomic file replacement: write a temporary file in the target's folder, flush and fsync it,
// then rename it over the target, so readers see the old file or the new one, never a torn one.
#pragma once

#include <string>
#include <string_view>

#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Writes a file progressively and replaces `path` with it only on commit().
///
/// - A new file gets the mode open(path, O_CREAT, 0666) would give under the process's umask
///   (and the folder's default ACL); replacing a file keeps its mode, and its group where the
///   process may set it. The temporary file is never readable by more users than the result.
/// - When `path` is a symbolic link (or a chain of them), the file it finally points to is
///   replaced and the link stays a link; the temporary file lives in that file's folder.
/// - Every failure throws std::runtime_error("cannot write '<path>': <step>: <system reason>").
///   Until commit() returns, `path` is untouched; a writer destroyed without commit() (an
///   exception, an early return) removes its temporary file.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(const std::string& path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  /// Appends `data` to the temporary file (looping over short writes and EINTR).
  void write(std::string_view data);
  /// fsync, rename over the target, then fsync the folder. Call once; the writer is then done.
  void commit();

 private:
  [[noreturn]] void fail(const std::string& step, int error);
  void discard() noexcept;

  std::string path_;    // as the caller named it, for messages
  std::string target_;  // the file that is replaced (path_ with symbolic links followed)
  std::string temp_;
  int fd_ = -1;
};

/// write_file_atomically(path, contents): an AtomicFileWriter that writes `contents` and commits.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace xtgrad

XTGRAD_API_END
