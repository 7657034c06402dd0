// Index tensors. xtgrad has float32 tensors only, so class labels and indices are float
// tensors holding exact integers; every op that reads one checks each value here.
#pragma once

#include <cmath>
#include <vector>

#include "xtgrad/core/detail/check.hpp"

namespace xtgrad::detail {

/// The value as an index in [0, bound); throws "<op>: <what> <v> is out of range ..." otherwise.
/// float32 holds every integer up to 2^24 exactly, far beyond any class count or row index.
inline std::size_t to_index(const char* op, const char* what, float v, std::size_t bound) {
  XTGRAD_CHECK(std::isfinite(v) && v == std::floor(v), op, what, " must hold whole numbers, got ", v);
  XTGRAD_CHECK(v >= 0.0f && v < static_cast<float>(bound), op, what, " ", static_cast<double>(v),
               " is out of range for a dimension of size ", bound);
  return static_cast<std::size_t>(v);
}

inline std::vector<std::size_t> to_indices(const char* op, const char* what, const Array& a, std::size_t bound) {
  std::vector<std::size_t> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = to_index(op, what, a.data()[i], bound);
  return out;
}

}  // namespace xtgrad::detail
