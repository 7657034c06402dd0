// Value: checked access, equality and printing.
#include "xtgrad/core/value.hpp"

#include <limits>
#include <sstream>
#include <stdexcept>

namespace xtgrad {
namespace {

[[noreturn]] void wrong_kind(const char* expected, const Value& got) {
  throw std::invalid_argument(std::string("expected ") + expected + ", got " + got.kind_name());
}

std::int64_t checked_int64(unsigned long long v) {
  if (v > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()))
    throw std::invalid_argument("Value: " + std::to_string(v) + " does not fit a signed 64-bit integer");
  return static_cast<std::int64_t>(v);
}

// Rethrows a kind error with the key in front: "'lr' must be a number, got a string".
template <class F>
auto field(const Value& dict, const std::string& key, const char* expected, F read) {
  const Value& v = dict.at(key);
  try {
    return read(v);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("'" + key + "' must be " + expected + ", got " + v.kind_name() +
                                (v.is_number() || v.kind() == Value::Kind::String ? " " + to_string(v) : ""));
  }
}

}  // namespace

Value::Value(unsigned long v) : data_(checked_int64(v)) {}
Value::Value(unsigned long long v) : data_(checked_int64(v)) {}

Value Value::numbers(const std::vector<double>& values) {
  List list;
  for (double v : values) list.emplace_back(v);
  return Value(std::move(list));
}

const char* Value::kind_name() const {
  static const char* const names[] = {"null",     "a boolean", "an integer", "a number",
                                      "a string", "a tensor",  "a list",     "an object"};
  return names[data_.index()];
}

bool Value::as_bool() const {
  if (auto* v = std::get_if<bool>(&data_)) return *v;
  wrong_kind("a boolean", *this);
}

std::int64_t Value::as_int() const {
  if (auto* v = std::get_if<std::int64_t>(&data_)) return *v;
  wrong_kind("an integer", *this);
}

double Value::as_real() const {
  if (auto* v = std::get_if<double>(&data_)) return *v;
  if (auto* v = std::get_if<std::int64_t>(&data_)) return static_cast<double>(*v);
  wrong_kind("a number", *this);
}

const std::string& Value::as_string() const {
  if (auto* v = std::get_if<std::string>(&data_)) return *v;
  wrong_kind("a string", *this);
}

const Array& Value::as_tensor() const {
  if (auto* v = std::get_if<Array>(&data_)) return *v;
  wrong_kind("a tensor", *this);
}

const Value::List& Value::as_list() const {
  if (auto* v = std::get_if<List>(&data_)) return *v;
  wrong_kind("a list", *this);
}

const Value::Dict& Value::as_dict() const {
  if (auto* v = std::get_if<Dict>(&data_)) return *v;
  wrong_kind("an object", *this);
}

Value::List& Value::as_list() { return const_cast<List&>(static_cast<const Value&>(*this).as_list()); }
Value::Dict& Value::as_dict() { return const_cast<Dict&>(static_cast<const Value&>(*this).as_dict()); }

bool Value::contains(const std::string& key) const {
  if (!is_dict()) return false;
  for (const auto& entry : as_dict())
    if (entry.first == key) return true;
  return false;
}

const Value& Value::at(const std::string& key) const {
  for (const auto& entry : as_dict())
    if (entry.first == key) return entry.second;
  throw std::invalid_argument("'" + key + "' is missing");
}

Value& Value::operator[](const std::string& key) {
  if (is_null()) data_ = Dict{};
  Dict& dict = as_dict();
  for (auto& entry : dict)
    if (entry.first == key) return entry.second;
  dict.emplace_back(key, Value());
  return dict.back().second;
}

bool Value::get_bool(const std::string& key) const {
  return field(*this, key, "true or false", [](const Value& v) { return v.as_bool(); });
}
std::int64_t Value::get_int(const std::string& key) const {
  return field(*this, key, "an integer", [](const Value& v) { return v.as_int(); });
}
double Value::get_real(const std::string& key) const {
  return field(*this, key, "a number", [](const Value& v) { return v.as_real(); });
}
std::string Value::get_string(const std::string& key) const {
  return field(*this, key, "a string", [](const Value& v) { return v.as_string(); });
}

std::int64_t Value::get_int_in(const std::string& key, std::int64_t min, std::int64_t max) const {
  std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  std::int64_t v = field(*this, key, range.c_str(), [](const Value& v) { return v.as_int(); });
  if (v < min || v > max) throw std::invalid_argument("'" + key + "' must be " + range + ", got " + std::to_string(v));
  return v;
}

bool Value::get_bool_or(const std::string& key, bool fallback) const {
  return contains(key) ? get_bool(key) : fallback;
}
double Value::get_real_or(const std::string& key, double fallback) const {
  return contains(key) ? get_real(key) : fallback;
}

std::size_t Value::size() const {
  if (auto* v = std::get_if<List>(&data_)) return v->size();
  return as_dict().size();
}

const Value& Value::operator[](std::size_t i) const {
  const List& list = as_list();
  if (i >= list.size())
    throw std::invalid_argument("index " + std::to_string(i) + " is out of range for a list of " +
                                std::to_string(list.size()));
  return list[i];
}

void Value::push_back(Value v) {
  if (is_null()) data_ = List{};
  as_list().push_back(std::move(v));
}

bool Value::operator==(const Value& other) const {
  if (kind() != other.kind()) return false;
  if (kind() == Kind::Tensor) {
    const Array& a = as_tensor();
    const Array& b = other.as_tensor();
    return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
  }
  return data_ == other.data_;
}

std::string to_string(const Value& v) {
  std::ostringstream os;
  switch (v.kind()) {
    case Value::Kind::Null: os << "null"; break;
    case Value::Kind::Bool: os << (v.as_bool() ? "true" : "false"); break;
    case Value::Kind::Int: os << v.as_int(); break;
    case Value::Kind::Real:
      os.precision(17);
      os << v.as_real();
      break;
    case Value::Kind::String: os << '"' << v.as_string() << '"'; break;
    case Value::Kind::Tensor: {
      const Array& a = v.as_tensor();
      os << "tensor" << shape_str(Shape(a.shape().begin(), a.shape().end()));
      break;
    }
    case Value::Kind::List: {
      os << '[';
      for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << to_string(v[i]);
      os << ']';
      break;
    }
    case Value::Kind::Dict: {
      os << '{';
      bool first = true;
      for (const auto& [key, item] : v.as_dict()) {
        os << (first ? "" : ", ") << '"' << key << "\": " << to_string(item);
        first = false;
      }
      os << '}';
      break;
    }
  }
  return os.str();
}

}  // namespace xtgrad
