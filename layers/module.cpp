// Module bookkeeping: registration with PyTorch's name rules, dotted traversal, repr.
#include "module.hpp"

#include <stdexcept>

namespace xtgrad {

Tensor Module::forward(const Tensor&) {
  throw std::logic_error(type_name() + " has no single-input forward(); call its own forward method");
}

void Module::check_new_name(const char* what, const std::string& name) const {
  if (name.empty()) throw std::invalid_argument(std::string(what) + " name must not be empty");
  if (name.find('.') != std::string::npos)
    throw std::invalid_argument(std::string(what) + " name must not contain a dot (got '" + name + "')");
  auto taken = [&name](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    throw std::invalid_argument(std::string(what) + " '" + name + "' already exists in " + type_name());
}

Tensor Module::register_parameter(const std::string& name, Tensor parameter) {
  check_new_name("Parameter", name);
  parameter.requires_grad_(true);
  parameters_.emplace_back(name, parameter);
  return parameter;
}

Tensor Module::register_buffer(const std::string& name, Tensor buffer) {
  check_new_name("Buffer", name);
  buffers_.emplace_back(name, buffer);
  return buffer;
}

std::shared_ptr<Module> Module::register_module(const std::string& name, std::shared_ptr<Module> child) {
  check_new_name("Submodule", name);
  if (!child) throw std::invalid_argument("Submodule '" + name + "' is null");
  children_.emplace_back(name, child);
  return child;
}

void Module::collect(const std::string& prefix, bool buffers, std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, t] : buffers ? buffers_ : parameters_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", false, out);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", true, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& named : named_parameters()) out.push_back(named.second);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& child : children_) child.second->train(on);
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
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
