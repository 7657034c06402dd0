// Value <-> JSON, one recursive walk each way (depth is bounded by parse_json's limit of 64).
#include "xtgrad/io/value_json.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "xtgrad/io/tensor_json.hpp"

namespace xtgrad {
namespace {

Value read(const Json& json, const std::string& where, std::vector<std::string>& problems) {
  switch (json.type()) {
    case Json::value_t::null: return Value();
    case Json::value_t::boolean: return Value(json.get<bool>());
    case Json::value_t::number_integer: return Value(json.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      auto v = json.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(INT64_MAX)) {
        problems.push_back(where + ": " + json.dump() + " is too large for an integer");
        return Value();
      }
      return Value(static_cast<std::int64_t>(v));
    }
    case Json::value_t::number_float: return Value(json.get<double>());
    case Json::value_t::string: return Value(json.get<std::string>());
    case Json::value_t::array: {
      Value list = Value::list();
      for (std::size_t i = 0; i < json.size(); ++i)
        list.push_back(read(json[i], where + "[" + std::to_string(i) + "]", problems));
      return list;
    }
    case Json::value_t::object: {
      if (looks_like_tensor(json)) {
        Array a;
        return tensor_from_json(json, where, a, problems) ? Value(std::move(a)) : Value();
      }
      Value dict = Value::dict();
      for (const auto& item : json.items()) dict[item.key()] = read(item.value(), where + "." + item.key(), problems);
      return dict;
    }
    default: problems.push_back(where + ": binary or unknown JSON values are not supported"); return Value();
  }
}

}  // namespace

Json to_json(const Value& value, const std::string& where) {
  switch (value.kind()) {
    case Value::Kind::Null: return Json();
    case Value::Kind::Bool: return value.as_bool();
    case Value::Kind::Int: return value.as_int();
    case Value::Kind::Real:  // as a tensor's: JSON would hold null, which reads back as nothing
      if (!std::isfinite(value.as_real()))
        throw std::invalid_argument(where + " is " + std::to_string(value.as_real()) +
                                    ", and the file holds finite numbers only");
      return value.as_real();
    case Value::Kind::String: return value.as_string();
    case Value::Kind::Tensor: return tensor_to_json(value.as_tensor(), where);
    case Value::Kind::List: {
      Json list = Json::array();
      for (const Value& item : value.as_list())
        list.push_back(to_json(item, where + "[" + std::to_string(list.size()) + "]"));
      return list;
    }
    case Value::Kind::Dict: {
      Json dict = Json::object();
      for (const auto& [key, item] : value.as_dict()) dict[key] = to_json(item, where + "." + key);
      return dict;
    }
  }
  return Json();
}

Value value_from_json(const Json& json, const std::string& where) {
  std::vector<std::string> problems;
  Value v = read(json, where, problems);
  if (!problems.empty()) {
    std::string all;
    for (const std::string& p : problems) all += (all.empty() ? "" : "; ") + p;
    throw std::invalid_argument(all);
  }
  return v;
}

}  // namespace xtgrad
