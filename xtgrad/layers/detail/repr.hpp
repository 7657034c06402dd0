// How the modules' repr() prints option values: as Python prints them, so that a model's repr
// reads the same as its PyTorch twin's.
#pragma once

#include <string>

namespace xtgrad::detail {

/// Python's repr(float): the shortest digits that read back to the same double, with ".0" on
/// integral values, and scientific notation exactly when the decimal exponent is < -4 or >= 16
/// ("1e-05", "0.0001", "1000000000000000.0", "1e+16"); "inf", "-inf", "nan".
std::string float_repr(double value);

/// Python's repr(bool): "True" or "False".
inline const char* bool_repr(bool value) { return value ? "True" : "False"; }

}  // namespace xtgrad::detail
