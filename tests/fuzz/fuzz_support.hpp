// Shared by the libFuzzer targets: which exceptions the loaders may throw, how a target reports
// a broken invariant (abort, so libFuzzer keeps the input), and the input as a file.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cxxabi.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <typeinfo>

// The repository's header rather than the build tree's <xtgrad/xtgrad.hpp> shim, which every
// configure rewrites (and so would recompile the targets on every run).
#include "xtgrad/io.hpp"

namespace xtgrad::fuzz {

/// Prints what went wrong and aborts: libFuzzer reports a crash and saves the input.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "\n==xtgrad-fuzz== FINDING: %s\n", what.c_str());
  std::abort();
}

#define FUZZ_CHECK(cond, what)                                                                                    \
  do {                                                                                                            \
    if (!(cond))                                                                                                  \
      ::xtgrad::fuzz::finding(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": expected " #cond ": " + \
                              (what));                                                                            \
  } while (0)

inline std::string type_name_of(const std::exception& e) {
  int status = 0;
  char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
  std::string out = status == 0 ? name : typeid(e).name();
  std::free(name);
  return out;
}

/// How a call to the library ended. The loaders document std::invalid_argument for bad input and
/// std::runtime_error for unreadable files; anything else escaping them is a finding.
enum class Outcome { returned, invalid_argument, runtime_error };

inline Outcome run(const char* call, const std::function<void()>& body) {
  try {
    body();
    return Outcome::returned;
  } catch (const std::invalid_argument&) {
    return Outcome::invalid_argument;
  } catch (const std::runtime_error&) {
    return Outcome::runtime_error;
  } catch (const std::exception& e) {
    finding(std::string(call) + " threw an undocumented " + type_name_of(e) + ": " + e.what());
  } catch (...) {
    finding(std::string(call) + " threw something that is not a std::exception");
  }
}

/// The fuzz input as a file the library can open by path (an anonymous in-memory file, so
/// nothing touches the disk and nothing is left behind), rewritten for each input.
class InputFile {
 public:
  InputFile() : fd_(memfd_create("xtgrad-fuzz", 0)) {
    if (fd_ < 0) finding("memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    if (ftruncate(fd_, 0) != 0) finding("ftruncate failed");
    for (std::size_t done = 0; done < size;) {
      ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) finding("pwrite failed");
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace xtgrad::fuzz
