// StateReader: checked reads that collect problems instead of throwing at the first.
#include "xtgrad/optim/detail/state_reader.hpp"

#include <cmath>
#include <stdexcept>

namespace xtgrad::detail {
namespace {

const Value kNull;

// "a string \"x\"", "a number 1.5", "a list": what was found, with the value when short.
std::string got(const Value& v) {
  bool scalar = v.is_number() || v.kind() == Value::Kind::String || v.kind() == Value::Kind::Bool;
  return std::string(v.kind_name()) + (scalar ? " " + to_string(v) : "");
}

}  // namespace

std::string join_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

StateReader::StateReader(std::string owner) : owner_(std::move(owner)) {}

void StateReader::problem(const std::string& path, const std::string& what) {
  problems_.push_back(path.empty() ? what : path + ": " + what);
}

const Value* StateReader::field(const Value& dict, const std::string& path, const std::string& key) {
  if (!dict.is_dict()) return nullptr;  // the caller already reported the parent
  if (!dict.contains(key)) {
    problem(join_path(path, key), "missing");
    return nullptr;
  }
  return &dict.at(key);
}

bool StateReader::boolean(const Value& dict, const std::string& path, const std::string& key) {
  const Value* v = field(dict, path, key);
  if (v && v->kind() == Value::Kind::Bool) return v->as_bool();
  if (v) problem(join_path(path, key), "expected true or false, got " + got(*v));
  return false;
}

std::int64_t StateReader::integer(const Value& dict, const std::string& path, const std::string& key, std::int64_t min,
                                  std::int64_t max) {
  const Value* v = field(dict, path, key);
  if (!v) return min;
  if (v->kind() != Value::Kind::Int) {
    problem(join_path(path, key), "expected an integer, got " + got(*v));
    return min;
  }
  std::int64_t i = v->as_int();
  if (i < min || i > max) {
    problem(join_path(path, key),
            "expected an integer from " + std::to_string(min) +
                (max == std::numeric_limits<std::int64_t>::max() ? " up" : " to " + std::to_string(max)) + ", got " +
                std::to_string(i));
    return min;
  }
  return i;
}

double StateReader::real(const Value& dict, const std::string& path, const std::string& key) {
  const Value* v = field(dict, path, key);
  if (!v) return 0.0;
  if (!v->is_number() || !std::isfinite(v->as_real())) {
    problem(join_path(path, key), "expected a finite number, got " + got(*v));
    return 0.0;
  }
  return v->as_real();
}

std::string StateReader::string(const Value& dict, const std::string& path, const std::string& key) {
  const Value* v = field(dict, path, key);
  if (v && v->kind() == Value::Kind::String) return v->as_string();
  if (v) problem(join_path(path, key), "expected a string, got " + got(*v));
  return {};
}

std::vector<double> StateReader::reals(const Value& dict, const std::string& path, const std::string& key,
                                       std::size_t size) {
  const Value& list = this->list(dict, path, key);
  std::vector<double> out;
  if (!list.is_list()) return out;
  std::string where = join_path(path, key);
  if (size != kAnySize && list.size() != size) {
    problem(where, "expected " + std::to_string(size) + " numbers, got " + std::to_string(list.size()));
    return out;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Value& v = list[i];
    if (!v.is_number() || !std::isfinite(v.as_real())) {
      problem(where + "[" + std::to_string(i) + "]", "expected a finite number, got " + got(v));
      return {};
    }
    out.push_back(v.as_real());
  }
  return out;
}

std::vector<std::int64_t> StateReader::integers(const Value& dict, const std::string& path, const std::string& key) {
  const Value& list = this->list(dict, path, key);
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; list.is_list() && i < list.size(); ++i) {
    if (list[i].kind() != Value::Kind::Int) {
      problem(join_path(path, key) + "[" + std::to_string(i) + "]", "expected an integer, got " + got(list[i]));
      return {};
    }
    out.push_back(list[i].as_int());
  }
  return out;
}

const Value& StateReader::dict(const Value& dict, const std::string& path, const std::string& key) {
  const Value* v = field(dict, path, key);
  if (v && v->is_dict()) return *v;
  if (v) problem(join_path(path, key), "expected an object, got " + got(*v));
  return kNull;
}

const Value& StateReader::list(const Value& dict, const std::string& path, const std::string& key) {
  const Value* v = field(dict, path, key);
  if (v && v->is_list()) return *v;
  if (v) problem(join_path(path, key), "expected a list, got " + got(*v));
  return kNull;
}

const Array* StateReader::tensor(const Value& value, const std::string& path, const Shape& shape) {
  if (value.kind() != Value::Kind::Tensor) {
    problem(path, "expected a tensor, got " + got(value));
    return nullptr;
  }
  const Array& a = value.as_tensor();
  Shape found(a.shape().begin(), a.shape().end());
  if (found != shape) {
    problem(path, "expected shape " + shape_str(shape) + ", got " + shape_str(found));
    return nullptr;
  }
  for (float x : a)
    if (!std::isfinite(x)) {
      problem(path, "holds a non-finite value");
      return nullptr;
    }
  return &a;
}

void StateReader::unexpected_keys(const Value& dict, const std::string& path, const std::vector<std::string>& known) {
  if (!dict.is_dict()) return;
  for (const auto& [key, value] : dict.as_dict()) {
    bool found = false;
    for (const std::string& k : known) found = found || k == key;
    if (!found) problem(join_path(path, key), "unexpected key");
  }
}

void StateReader::throw_if_problems() const {
  if (problems_.empty()) return;
  std::string all;
  for (const std::string& p : problems_) all += (all.empty() ? "" : "; ") + p;
  throw std::invalid_argument(owner_ + ": " + all);
}

}  // namespace xtgrad::detail
