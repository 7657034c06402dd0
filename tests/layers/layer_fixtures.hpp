// Helpers for the fixtures of tools/make_layer_fixtures.py (tests/fixtures/layers15.json): each
// case names its module as {"type", options}, built here through the registry.
#pragma once

#include "support/fixtures.hpp"
#include "support/testing.hpp"

namespace xtgrad::testing {

inline const Json& layer_cases(const std::string& key) { return fixture_cases("layers15.json", key); }

/// The module a case describes, built by the registry from its config.
inline std::shared_ptr<Module> build_case_module(const Json& c) {
  return build_module(value_from_json(c.at("module"), "fixture module"));
}

/// Copies a fixture state dict (parameters and buffers) into the module, strictly.
inline void load_state(Module& module, const Json& state) {
  NamedTensors named;
  for (const auto& [name, tensor] : state.items()) named.emplace_back(name, to_tensor(tensor));
  module.load_state_dict(named);
}

/// Every parameter's gradient against the fixture's "grads" (keyed by parameter name).
inline void check_parameter_grads(const Module& module, const Json& grads) {
  auto named = module.named_parameters();
  CHECK(named.size() == grads.size());
  for (const auto& [name, p] : named) {
    CAPTURE_BINDING(name);
    CHECK_ALL_CLOSE(p.grad(), to_array(grads.at(name)));
  }
}

}  // namespace xtgrad::testing
