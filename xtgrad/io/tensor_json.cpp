// Tensor <-> JSON with bit-exact float32 round trips and validation before allocation.
#include "xtgrad/io/tensor_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace xtgrad {
namespace {

// The double nearest the shortest float32 decimal, when it still rounds back to `f` (almost
// always: it prints as "0.1" rather than "0.10000000149011612"); otherwise f itself, exactly.
double compact(float f) {
  char text[32];
  auto end = std::to_chars(text, text + sizeof text - 1, f).ptr;
  *end = '\0';
  double d = std::strtod(text, nullptr);
  return static_cast<float>(d) == f ? d : static_cast<double>(f);
}

// Validates and reads one tensor; with `expected`, its shape must be that one.
bool read_tensor(const Json& entry, const std::string& what, const Shape* expected, Array& out,
                 std::vector<std::string>& problems) {
  auto problem = [&](const std::string& why) {
    problems.push_back(what + ": " + why);
    return false;
  };
  if (!entry.is_object()) return problem("expected an object with \"shape\", \"dtype\" and \"data\"");
  if (!entry.contains("shape") || !entry["shape"].is_array()) return problem("\"shape\" must be an array");
  Shape shape;
  for (const Json& d : entry["shape"]) {
    if (!d.is_number_unsigned())
      return problem("\"shape\" must hold non-negative integers, got " + entry["shape"].dump());
    shape.push_back(d.get<std::size_t>());
  }
  if (!entry.contains("dtype") || entry["dtype"] != "float32")
    return problem("\"dtype\" must be \"float32\", got " +
                   (entry.contains("dtype") ? entry["dtype"].dump() : "nothing"));
  // Compared with what the model expects before anything is allocated, so a file claiming a
  // huge shape is rejected for that.
  if (expected && shape != *expected)
    return problem("shape " + shape_str(shape) + " in the file, but the model expects " + shape_str(*expected));
  if (!entry.contains("data") || !entry["data"].is_array()) return problem("\"data\" must be an array of numbers");
  const Json& data = entry["data"];
  // The product (checked for overflow) must equal the numbers actually present, so a declared
  // shape can never make us allocate more than the file's own data fills.
  std::size_t count = 1;
  bool fits = true;
  for (std::size_t d : shape) {
    if (d != 0 && count > static_cast<std::size_t>(-1) / d) fits = false;
    if (!fits) break;
    count *= d;
  }
  if (!fits || data.size() != count)
    return problem("\"data\" has " + std::to_string(data.size()) + " values but shape " + shape_str(shape) + " needs " +
                   (fits ? std::to_string(count) : "more"));
  out = Array::from_shape(shape);
  for (std::size_t i = 0; i < count; ++i) {
    const Json& v = data[i];
    if (!v.is_number()) return problem("data[" + std::to_string(i) + "] is not a number (got " + v.dump() + ")");
    double d = v.get<double>();
    float f = static_cast<float>(d);
    if (!std::isfinite(f))
      return problem("data[" + std::to_string(i) + "] is not a finite float32 (got " + v.dump() + ")");
    out.data()[i] = f;
  }
  return true;
}

}  // namespace

Json tensor_to_json(const Array& value, const std::string& what) {
  Json data = Json::array();
  data.get_ref<Json::array_t&>().reserve(value.size());
  for (float v : value) {
    if (!std::isfinite(v))
      throw std::invalid_argument(what + ": data[" + std::to_string(data.size()) + "] is " + std::to_string(v) +
                                  ", and the file holds finite float32 values only");
    data.push_back(compact(v));
  }
  return {{"shape", Shape(value.shape().begin(), value.shape().end())},
          {"dtype", "float32"},
          {"data", std::move(data)}};
}

bool looks_like_tensor(const Json& entry) {
  return entry.is_object() && entry.size() == 3 && entry.contains("shape") && entry.contains("dtype") &&
         entry.contains("data");
}

bool tensor_from_json(const Json& entry, const std::string& what, const Shape& expected, Array& out,
                      std::vector<std::string>& problems) {
  return read_tensor(entry, what, &expected, out, problems);
}

bool tensor_from_json(const Json& entry, const std::string& what, Array& out, std::vector<std::string>& problems) {
  return read_tensor(entry, what, nullptr, out, problems);
}

}  // namespace xtgrad
