// An LD_PRELOAD library that makes write, fsync or rename fail, or write short, on demand, so
// the tests can break the real writers at every step. Set in the environment:
//   XTGRAD_FAULT_OP=write|fsync|rename  XTGRAD_FAULT_CALL=N      the Nth call of OP fails
//   XTGRAD_FAULT_OP=write               XTGRAD_FAULT_AFTER_BYTES=N  writes past byte N fail (the
//                                       write that crosses N is cut short there, as on a full disk)
//   XTGRAD_FAULT_ERRNO=ENOSPC|EIO       the error reported (default ENOSPC)
//   XTGRAD_FAULT_SHORT=N                every write moves at most N bytes (no error)
//   XTGRAD_FAULT_REPORT=FILE            at exit, writes "write_calls write_bytes fsync_calls
//                                       rename_calls" there (a clean run's counts = the failure points)
// Writes to descriptors 0-2 pass untouched and uncounted: the program's messages must get out.
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

enum class Op { none, write, fsync, rename };

struct Config {
  Op op = Op::none;
  long long call = -1, after_bytes = -1, short_max = -1;
  int error = ENOSPC;
  const char* report = nullptr;
};

long long number_from_env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? std::atoll(value) : -1;
}

// Read once, on first use: getenv is safe before main and from any thread after.
const Config& config() {
  static const Config c = [] {
    Config out;
    const char* op = std::getenv("XTGRAD_FAULT_OP");
    if (op && std::strcmp(op, "write") == 0) out.op = Op::write;
    if (op && std::strcmp(op, "fsync") == 0) out.op = Op::fsync;
    if (op && std::strcmp(op, "rename") == 0) out.op = Op::rename;
    out.call = number_from_env("XTGRAD_FAULT_CALL");
    out.after_bytes = number_from_env("XTGRAD_FAULT_AFTER_BYTES");
    out.short_max = number_from_env("XTGRAD_FAULT_SHORT");
    const char* error = std::getenv("XTGRAD_FAULT_ERRNO");
    if (error && std::strcmp(error, "EIO") == 0) out.error = EIO;
    out.report = std::getenv("XTGRAD_FAULT_REPORT");
    return out;
  }();
  return c;
}

std::atomic<long long> write_calls{0}, write_bytes{0}, fsync_calls{0}, rename_calls{0};

template <class Function>
Function next(const char* name) {
  return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

using WriteFn = ssize_t (*)(int, const void*, size_t);
WriteFn real_write() {
  static WriteFn f = next<WriteFn>("write");
  return f;
}

bool fails(Op op, std::atomic<long long>& calls) {
  long long n = ++calls;
  return config().op == op && config().call == n;
}

__attribute__((destructor)) void report_counts() {
  if (!config().report) return;
  int fd = ::open(config().report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char text[128];
  int length = std::snprintf(text, sizeof text, "%lld %lld %lld %lld\n", write_calls.load(), write_bytes.load(),
                             fsync_calls.load(), rename_calls.load());
  real_write()(fd, text, static_cast<size_t>(length));
  ::close(fd);
}

}  // namespace

extern "C" ssize_t write(int fd, const void* data, size_t count) {
  if (fd <= 2) return real_write()(fd, data, count);
  const Config& c = config();
  if (fails(Op::write, write_calls)) {
    errno = c.error;
    return -1;
  }
  if (c.op == Op::write && c.after_bytes >= 0) {
    long long room = c.after_bytes - write_bytes.load();
    if (room <= 0 && count > 0) {
      errno = c.error;
      return -1;
    }
    if (static_cast<long long>(count) > room) count = static_cast<size_t>(room);  // cut short at the limit
  }
  if (c.short_max > 0 && static_cast<long long>(count) > c.short_max) count = static_cast<size_t>(c.short_max);
  ssize_t written = real_write()(fd, data, count);
  if (written > 0) write_bytes += written;
  return written;
}

extern "C" int fsync(int fd) {
  static auto real = next<int (*)(int)>("fsync");
  if (fails(Op::fsync, fsync_calls)) {
    errno = config().error;
    return -1;
  }
  return real(fd);
}

extern "C" int rename(const char* from, const char* to) {
  static auto real = next<int (*)(const char*, const char*)>("rename");
  if (fails(Op::rename, rename_calls)) {
    errno = config().error;
    return -1;
  }
  return real(from, to);
}
