// Value <-> JSON: how any type's config or state dict goes into a file and comes back.
#pragma once

#include <string>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/value.hpp"
#include "xtgrad/io/weights.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Tensors become {"shape", "dtype": "float32", "data"} with bit-exact floats; integers stay
/// integers and reals are written so they read back to the same double. A tensor holding a NaN
/// or an infinity throws std::invalid_argument naming it from `where` ("<where>.key[i]: data[j] ..."),
/// as does a real that is NaN or infinite.
Json to_json(const Value& value, const std::string& where = "value");

/// The inverse: an object with exactly the keys "shape", "dtype" and "data" is read as a tensor
/// (validated before allocating); every other object as a dict, in the file's key order.
/// Throws std::invalid_argument "<where>: ..." listing every bad tensor, or naming the first
/// value of another kind it cannot hold (an integer past int64).
Value value_from_json(const Json& json, const std::string& where);

}  // namespace xtgrad

XTGRAD_API_END
