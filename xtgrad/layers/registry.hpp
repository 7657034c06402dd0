// The module type registry: each type registers a factory once under its type_name(), so a
// file's {"type": ..., options...} rebuilds any registered module, including a user's own.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Builds a module from its description (the object describe() returns; read its options with
/// Value's checked getters, which throw std::invalid_argument naming the key).
using ModuleFactory = std::function<std::shared_ptr<Module>(const Value& description)>;

/// Registers (or replaces) the factory for `type`. The built-in layers are registered by the
/// library; a user's module is registered once before a file holding it is loaded:
/// `register_module_type<Outer>("Outer")` uses `static std::shared_ptr<Outer> Outer::from_config(const Value&)`.
void register_module_type(const std::string& type, ModuleFactory factory);
namespace detail {
template <class M, class = void>
struct has_from_config : std::false_type {};
template <class M>
struct has_from_config<M, std::void_t<decltype(M::from_config(std::declval<const Value&>()))>> : std::true_type {};
}  // namespace detail
template <class M>
void register_module_type(const std::string& type) {
  // Said here, rather than as an error deep in the lambda below.
  static_assert(detail::has_from_config<M>::value,
                "register_module_type<M>: M needs `static std::shared_ptr<M> from_config(const Value& config)`, "
                "which rebuilds the module from the object its config() returns (docs/guide.md, Writing a module)");
  if constexpr (detail::has_from_config<M>::value)  // only the assertion's message, not a second error
    register_module_type(type, [](const Value& description) -> std::shared_ptr<Module> {
      return M::from_config(description);
    });
}
/// Every registered type name, sorted.
std::vector<std::string> registered_module_types();

/// {"type": module.type_name(), ...module.config()}: what a weights file's "model" holds.
Value describe(const Module& module);
/// Rebuilds a module from describe()'s output (with fresh parameters: load a state dict after).
/// An unknown type throws std::invalid_argument naming it and how to register it.
std::shared_ptr<Module> build_module(const Value& description);

}  // namespace xtgrad

XTGRAD_API_END
