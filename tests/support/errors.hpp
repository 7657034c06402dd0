// The message of the std::invalid_argument a call throws, for checks on part of a long message.
#pragma once

#include <stdexcept>
#include <string>

namespace xtgrad::testing {

/// what() of the std::invalid_argument that f() throws; "(no error)" when it throws nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace xtgrad::testing
