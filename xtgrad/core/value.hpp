// Value: a small tree of plain data (null, bool, integer, real, string, float32 array, list,
// ordered dict). Module configs and optimizer/scheduler state dicts are Values, so io/ can write
// and read any type's state without knowing the type, and the core needs no JSON library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

class Value {
 public:
  using List = std::vector<Value>;
  using Dict = std::vector<std::pair<std::string, Value>>;  ///< keys in insertion order
  enum class Kind { Null, Bool, Int, Real, String, Tensor, List, Dict };

  Value() = default;  ///< null
  Value(bool v) : data_(v) {}
  Value(int v) : data_(static_cast<std::int64_t>(v)) {}
  Value(long v) : data_(static_cast<std::int64_t>(v)) {}
  Value(long long v) : data_(static_cast<std::int64_t>(v)) {}
  Value(unsigned v) : data_(static_cast<std::int64_t>(v)) {}
  Value(unsigned long v);       ///< throws when the value does not fit an int64
  Value(unsigned long long v);  ///< throws when the value does not fit an int64
  Value(double v) : data_(v) {}
  Value(const char* v) : data_(std::string(v)) {}
  Value(std::string v) : data_(std::move(v)) {}
  Value(Array v) : data_(std::move(v)) {}
  Value(List v) : data_(std::move(v)) {}
  Value(Dict v) : data_(std::move(v)) {}
  /// A list of numbers, as {0.9, 0.999}.
  static Value numbers(const std::vector<double>& values);
  static Value dict() { return Value(Dict{}); }
  static Value list() { return Value(List{}); }

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  /// "null", "a boolean", "an integer", "a number", "a string", "a tensor", "a list", "an object".
  const char* kind_name() const;
  bool is_null() const { return kind() == Kind::Null; }
  bool is_dict() const { return kind() == Kind::Dict; }
  bool is_list() const { return kind() == Kind::List; }
  bool is_number() const { return kind() == Kind::Int || kind() == Kind::Real; }

  // Checked reads: a wrong kind throws std::invalid_argument saying what was expected and found.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_real() const;  ///< an integer is accepted as a real
  const std::string& as_string() const;
  const Array& as_tensor() const;
  const List& as_list() const;
  const Dict& as_dict() const;
  List& as_list();
  Dict& as_dict();

  // Dicts. at() throws naming the missing key; operator[] inserts null when absent.
  bool contains(const std::string& key) const;
  const Value& at(const std::string& key) const;
  Value& operator[](const std::string& key);
  /// Reads a field with a kind check; the error names the key ("'momentum' must be a number, got a string").
  bool get_bool(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_real(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  /// An integer in [min, max]: sizes and counts read from files are bounded before use.
  std::int64_t get_int_in(const std::string& key, std::int64_t min, std::int64_t max) const;
  /// The field when present, `fallback` otherwise.
  bool get_bool_or(const std::string& key, bool fallback) const;
  double get_real_or(const std::string& key, double fallback) const;

  // Lists and dicts.
  std::size_t size() const;
  const Value& operator[](std::size_t i) const;
  void push_back(Value v);

  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, List, Dict> data_;
};

/// One line of text for errors and debugging (tensors shown as their shape).
std::string to_string(const Value& v);

}  // namespace xtgrad

XTGRAD_API_END
