// One way to report bad input: std::invalid_argument whose message names the op and what it got.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "../tensor.hpp"

namespace xtgrad::detail {

template <class... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << std::forward<Parts>(parts));
  return os.str();
}

/// "[2, 3]" for an array of that shape.
inline std::string dims(const Array& a) { return shape_str(Shape(a.shape().begin(), a.shape().end())); }

/// Throws std::invalid_argument("<op>: <message parts>") unless `ok`.
template <class... Parts>
void check(bool ok, const char* op, Parts&&... parts) {
  if (!ok) throw std::invalid_argument(concat(op, ": ", std::forward<Parts>(parts)...));
}

}  // namespace xtgrad::detail
