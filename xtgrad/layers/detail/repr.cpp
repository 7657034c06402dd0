// Python's float repr (format_float_short in CPython's Python/pystrtod.c, mode 'r'), built on
// std::to_chars, which gives the same shortest round-trip digits.
#include "xtgrad/layers/detail/repr.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace xtgrad::detail {

std::string float_repr(double value) {
  if (std::isnan(value)) return "nan";  // Python prints no sign on a NaN
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Without a precision, to_chars gives the shortest digits that read back: "-d.ddde-XX".
  char text[32];
  char* end = std::to_chars(text, text + sizeof text, value, std::chars_format::scientific).ptr;
  char* e = std::find(text, end, 'e');
  int exponent = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), end, exponent);  // from_chars takes a '-' but no '+'
  const bool negative = text[0] == '-';
  const std::string sign = negative ? "-" : "", mantissa(text + (negative ? 1 : 0), e);

  if (exponent < -4 || exponent >= 16) {
    // The mantissa as it is, the exponent with a sign and at least two digits: 1e-05, 1.5e+16.
    std::string magnitude = std::to_string(std::abs(exponent));
    if (magnitude.size() < 2) magnitude.insert(0, "0");
    return sign + mantissa + (exponent < 0 ? "e-" : "e+") + magnitude;
  }
  std::string digits = mantissa;
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const auto count = static_cast<int>(digits.size());
  const int point = exponent + 1;  // how many digits stand before the decimal point
  if (point <= 0) return sign + "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
  if (point >= count) return sign + digits + std::string(static_cast<std::size_t>(point - count), '0') + ".0";
  return sign + digits.insert(static_cast<std::size_t>(point), ".");
}

}  // namespace xtgrad::detail
