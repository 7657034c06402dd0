// One tensor as {"shape", "dtype": "float32", "data"}: shared by weights and checkpoints.
#pragma once

#include <string>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/io/weights.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Each float written as the shortest decimal that reads back (as a double, then rounded to
/// float32) to the identical bits. A NaN or an infinity throws std::invalid_argument
/// "<what>: data[i] is nan ...": JSON has no such numbers (they would be written as null) and
/// loading refuses them, so no file is written that could not be read back.
Json tensor_to_json(const Array& value, const std::string& what = "tensor");

/// Validates `entry` against `expected` (shape, dtype, data length checked before allocating,
/// finite numbers) and fills `out`. On failure appends "<what>: ..." to problems, returns false.
bool tensor_from_json(const Json& entry, const std::string& what, const Shape& expected, Array& out,
                      std::vector<std::string>& problems);
/// The same for a tensor of any shape: the data length must equal the shape's product
/// (checked without overflow, before allocating).
bool tensor_from_json(const Json& entry, const std::string& what, Array& out, std::vector<std::string>& problems);
/// True for an object that stands for a tensor: exactly the keys "shape", "dtype" and "data".
bool looks_like_tensor(const Json& entry);

}  // namespace xtgrad

XTGRAD_API_END
