// Shared by the optimizer and scheduler tests: options from fixture JSON, and comparing a
// state dict (a Value) with PyTorch's, as the fixture script wrote it.
#pragma once

#include <cmath>
#include <string>

#include "support/fixtures.hpp"
#include "support/testing.hpp"

namespace xtgrad::testing {

/// Only the keys present are set, so the rest come from the optimizer's defaults.
inline AdamOptions adam_options(const Json& o) {
  AdamOptions a;
  if (o.contains("lr")) a.lr(o.at("lr").get<double>());
  if (o.contains("betas")) a.betas({o.at("betas")[0].get<double>(), o.at("betas")[1].get<double>()});
  if (o.contains("eps")) a.eps(o.at("eps").get<double>());
  if (o.contains("weight_decay")) a.weight_decay(o.at("weight_decay").get<double>());
  if (o.contains("amsgrad")) a.amsgrad(o.at("amsgrad").get<bool>());
  return a;
}

inline SGDOptions sgd_options(const Json& o) {
  SGDOptions s;
  if (o.contains("lr")) s.lr(o.at("lr").get<double>());
  if (o.contains("momentum")) s.momentum(o.at("momentum").get<double>());
  if (o.contains("dampening")) s.dampening(o.at("dampening").get<double>());
  if (o.contains("weight_decay")) s.weight_decay(o.at("weight_decay").get<double>());
  if (o.contains("nesterov")) s.nesterov(o.at("nesterov").get<bool>());
  return s;
}

/// True when `v` holds what PyTorch's `j` holds: the same keys (in any order), integers equal,
/// numbers to 1e-12 relative, tensors to rtol 1e-5. Otherwise `why` says where they differ.
inline bool same_as_torch(const Value& v, const Json& j, const std::string& path, std::string& why) {
  auto fail = [&](const std::string& what) {
    why = path + ": " + what + " (xtgrad " + to_string(v) + ", PyTorch " + j.dump().substr(0, 80) + ")";
    return false;
  };
  switch (v.kind()) {
    case Value::Kind::Null: return j.is_null() || fail("expected null");
    case Value::Kind::Bool: return (j.is_boolean() && j.get<bool>() == v.as_bool()) || fail("booleans differ");
    case Value::Kind::Int:
      return (j.is_number_integer() && j.get<std::int64_t>() == v.as_int()) || fail("integers differ");
    case Value::Kind::Real:
      return (j.is_number() && std::fabs(j.get<double>() - v.as_real()) <= 1e-12 * std::fabs(j.get<double>())) ||
             fail("numbers differ");
    case Value::Kind::String: return (j.is_string() && j.get<std::string>() == v.as_string()) || fail("strings differ");
    case Value::Kind::Tensor:
      return (j.is_object() && all_close(v.as_tensor(), to_array(j), &why)) || fail("tensors differ");
    case Value::Kind::List:
      if (!j.is_array() || j.size() != v.size()) return fail("lists differ in length");
      for (std::size_t i = 0; i < v.size(); ++i)
        if (!same_as_torch(v[i], j[i], path + "[" + std::to_string(i) + "]", why)) return false;
      return true;
    case Value::Kind::Dict:
      if (!j.is_object() || j.size() != v.size()) return fail("objects have different keys");
      for (const auto& [key, item] : v.as_dict())
        if (!j.contains(key)) return fail("PyTorch has no key " + key);
        else if (!same_as_torch(item, j.at(key), path + "." + key, why)) return false;
      return true;
  }
  return false;
}

/// Removes a key from a dict Value.
inline void erase_key(Value& dict, const std::string& key) {
  auto& d = dict.as_dict();
  for (auto it = d.begin(); it != d.end(); ++it)
    if (it->first == key) {
      d.erase(it);
      return;
    }
}

}  // namespace xtgrad::testing
