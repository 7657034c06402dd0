// Reading the PyTorch fixtures in tests/fixtures/ (written by tools/make_torch_fixtures.py).
// A tensor is {"shape": [...], "data": [flat row-major values]}.
#pragma once

#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "xtgrad/io.hpp"

namespace xtgrad::testing {

using Json = ::xtgrad::Json;  // nlohmann::ordered_json: keeps the file's key order (state_dict order)

/// The parsed fixture file, cached for the whole run, so references into it never dangle
/// (a range-for over a temporary's member would silently iterate freed memory).
inline const Json& load_fixture(const std::string& name) {
  static std::map<std::string, Json> cache;
  auto found = cache.find(name);
  if (found != cache.end()) return found->second;
  std::string path = std::string(XTGRAD_SOURCE_DIR) + "/tests/fixtures/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return cache.emplace(name, Json::parse(in)).first->second;
}

/// A non-empty list of cases from a fixture file; throws (failing the test) when it is empty.
inline const Json& fixture_cases(const std::string& file, const std::string& key) {
  const Json& list = load_fixture(file).at(key);
  if (!list.is_array() || list.empty()) throw std::runtime_error("fixture " + file + ": no cases under " + key);
  return list;
}

inline Array to_array(const Json& j) {
  Shape shape = j.at("shape").get<Shape>();
  Array a = Array::from_shape(shape);
  const Json& data = j.at("data");
  if (data.size() != a.size()) throw std::runtime_error("fixture tensor: data length does not match its shape");
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = data[i].get<float>();
  return a;
}

inline Tensor to_tensor(const Json& j, bool requires_grad = false) { return Tensor(to_array(j), requires_grad); }

/// Copies fixture parameters (state_dict names) into a module's parameters of the same names.
inline void load_parameters(Module& module, const Json& params) {
  auto named = module.named_parameters();
  if (named.size() != params.size()) throw std::runtime_error("fixture: parameter count differs");
  for (auto& [name, tensor] : named) {
    Array value = to_array(params.at(name));
    if (value.shape() != tensor.value().shape()) throw std::runtime_error("fixture: shape differs for " + name);
    tensor.mutable_value() = value;
  }
}

}  // namespace xtgrad::testing
