// Helpers shared by the test suites: gradient checks with a readable failure message, and
// elementwise comparison of arrays.
#pragma once

#include <cmath>
#include <cstring>
#include <string>

#include <doctest/doctest.h>

#include "xtgrad/xtgrad.hpp"

namespace xtgrad::testing {

/// CAPTURE for a structured binding: doctest's CAPTURE is a lambda, and C++17 lets no lambda
/// capture a structured binding (g++ allows it; clang does not).
#define CAPTURE_BINDING(x)       \
  const auto& x##_captured_ = x; \
  INFO(#x " := " << x##_captured_)

/// CHECK_GRADCHECK(f, inputs[, options]), gradcheck's own arguments: passes when every element of
/// every input that requires grad matches finite differences.
#define CHECK_GRADCHECK(...)                                                 \
  do {                                                                       \
    ::xtgrad::GradcheckResult gc_result_ = ::xtgrad::gradcheck(__VA_ARGS__); \
    INFO(gc_result_.message);                                                \
    CHECK(gc_result_.ok);                                                    \
  } while (0)

/// |a − b| <= atol + rtol·|b| for every element, and equal shapes.
inline bool all_close(const Array& a, const Array& b, std::string* why, double rtol = 1e-5, double atol = 1e-6) {
  if (a.shape() != b.shape()) {
    if (why) *why = "shapes differ";
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    double x = a.data()[i], y = b.data()[i];
    if (!(std::fabs(x - y) <= atol + rtol * std::fabs(y))) {
      if (why) *why = "element " + std::to_string(i) + ": " + std::to_string(x) + " vs " + std::to_string(y);
      return false;
    }
  }
  return true;
}

/// Equal shapes and identical bits (for round trips through files, which must be exact).
inline bool same_bits(const Array& a, const Array& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// The same names in the same order, each tensor bit-identical.
inline void check_same_tensors(const NamedTensors& a, const NamedTensors& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a[i].first);
    CHECK(a[i].first == b[i].first);
    CHECK(same_bits(a[i].second.value(), b[i].second.value()));
  }
}

/// all_close() with the reason first, so that CHECK_ALL_CLOSE passes its arguments on whole.
inline bool all_close_saying_why(std::string& why, const Array& a, const Array& b, double rtol = 1e-5,
                                 double atol = 1e-6) {
  return all_close(a, b, &why, rtol, atol);
}

/// CHECK_ALL_CLOSE(a, b[, rtol[, atol]]): all_close(), failing with the first element that differs.
#define CHECK_ALL_CLOSE(...)                                                           \
  do {                                                                                 \
    std::string close_why_;                                                            \
    bool close_ok_ = ::xtgrad::testing::all_close_saying_why(close_why_, __VA_ARGS__); \
    INFO(close_why_);                                                                  \
    CHECK(close_ok_);                                                                  \
  } while (0)

}  // namespace xtgrad::testing
