// One way to report bad input: std::invalid_argument whose message names the op and what it got.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "xtgrad/core/tensor.hpp"

namespace xtgrad::detail {

template <class... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << std::forward<Parts>(parts));
  return os.str();
}

/// "[2, 3]" for an array of that shape.
inline std::string dims(const Array& a) { return shape_str(Shape(a.shape().begin(), a.shape().end())); }

/// Throws std::invalid_argument("<op>: <message parts>").
template <class... Parts>
[[noreturn]] void fail(const char* op, Parts&&... parts) {
  throw std::invalid_argument(concat(op, ": ", std::forward<Parts>(parts)...));
}

}  // namespace xtgrad::detail

/// XTGRAD_CHECK(condition, op, message parts...): throws std::invalid_argument("<op>: <parts>")
/// unless the condition holds. A macro so that the parts (shape strings and the like) are only
/// built on failure: ops run this on every call.
#define XTGRAD_CHECK(condition, ...)                       \
  do {                                                     \
    if (!(condition)) ::xtgrad::detail::fail(__VA_ARGS__); \
  } while (0)

namespace xtgrad::detail {}  // namespace xtgrad::detail
