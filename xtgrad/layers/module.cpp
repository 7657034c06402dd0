// Module bookkeeping: registration with PyTorch's name rules, dotted traversal, state dicts, repr.
#include "xtgrad/layers/module.hpp"

#include <stdexcept>
#include <unordered_set>

namespace xtgrad {

Tensor Module::forward(const Tensor&) {
  throw std::logic_error(type_name() + " has no single-input forward(); call its own forward method");
}

void Module::check_new_name(const char* what, const std::string& name) const {
  if (name.empty()) throw std::invalid_argument(std::string(what) + " name must not be empty");
  if (name.find('.') != std::string::npos)
    throw std::invalid_argument(std::string(what) + " name must not contain a dot (got '" + name + "')");
  bool taken = false;
  for (const auto& entry : parameters_) taken = taken || entry.first == name;
  for (const auto& entry : buffers_) taken = taken || entry.name == name;
  for (const auto& entry : children_) taken = taken || entry.first == name;
  if (taken) throw std::invalid_argument(std::string(what) + " '" + name + "' already exists in " + type_name());
}

Tensor Module::register_parameter(const std::string& name, Tensor parameter) {
  check_new_name("Parameter", name);
  parameter.requires_grad_(true);
  parameters_.emplace_back(name, parameter);
  return parameter;
}

Tensor Module::register_buffer(const std::string& name, Tensor buffer, bool persistent) {
  check_new_name("Buffer", name);
  buffers_.push_back({name, buffer, persistent});
  return buffer;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  check_new_name("Submodule", name);
  if (!child) throw std::invalid_argument("Submodule '" + name + "' is null");
  children_.emplace_back(name, std::move(child));
}

void Module::collect(const std::string& prefix, Collect what, NamedTensors& out) const {
  if (what != Collect::Buffers)
    for (const auto& [name, t] : parameters_) out.emplace_back(prefix + name, t);
  if (what != Collect::Parameters)
    for (const Buffer& b : buffers_)
      if (b.persistent || what == Collect::Buffers) out.emplace_back(prefix + b.name, b.tensor);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", what, out);
}

namespace {

// A tensor registered under several names (tied weights, or one child module registered twice)
// is listed once, under its first name, as PyTorch's named_parameters() and named_buffers() do;
// state_dict() keeps every name. A tensor is known by its values, as Optimizer knows it.
NamedTensors first_names_only(NamedTensors all) {
  NamedTensors out;
  out.reserve(all.size());
  std::unordered_set<const Array*> seen;
  for (auto& entry : all)
    if (seen.insert(&entry.second.value()).second) out.push_back(std::move(entry));
  return out;
}

}  // namespace

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", Collect::Parameters, out);
  return first_names_only(std::move(out));
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", Collect::Buffers, out);
  return first_names_only(std::move(out));
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", Collect::State, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& named : named_parameters()) out.push_back(named.second);
  return out;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors own = state_dict();
  std::string problems;
  auto problem = [&problems](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  auto find = [](const NamedTensors& list, const std::string& name) -> const Tensor* {
    for (const auto& entry : list)
      if (entry.first == name) return &entry.second;
    return nullptr;
  };
  std::vector<std::pair<Tensor, const Tensor*>> staged;
  for (const auto& [name, tensor] : own) {
    const Tensor* given = find(state, name);
    if (!given) {
      if (strict) problem("missing key '" + name + "' (expected shape " + shape_str(tensor.shape()) + ")");
    } else if (given->shape() != tensor.shape()) {
      problem("'" + name + "' has shape " + shape_str(given->shape()) + " but the module's is " +
              shape_str(tensor.shape()));
    } else {
      staged.emplace_back(tensor, given);
    }
  }
  if (strict)
    for (const auto& entry : state)
      if (!find(own, entry.first)) problem("unexpected key '" + entry.first + "'");
  if (!problems.empty()) throw std::invalid_argument(type_name() + ".load_state_dict: " + problems);
  for (auto& [tensor, given] : staged)
    if (!tensor.same_as(*given)) tensor.mutable_value() = given->value();
}

void Module::train(bool on) {
  training_ = on;
  for (auto& child : children_) child.second->train(on);
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) p.zero_grad(set_to_none);
}

std::string Module::repr() const {
  if (children_.empty()) return type_name() + "(" + extra_repr() + ")";
  std::string out = type_name() + "(\n";
  for (const auto& [name, child] : children_) {
    std::string inner = child->repr();
    for (std::size_t at = inner.find('\n'); at != std::string::npos; at = inner.find('\n', at + 1))
      inner.insert(at + 1, "  ");  // indent the child's own lines
    out += "  (" + name + "): " + inner + "\n";
  }
  return out + ")";
}

}  // namespace xtgrad
