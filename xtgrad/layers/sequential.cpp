// Sequential container.
#include "xtgrad/layers/sequential.hpp"

#include <stdexcept>

#include "xtgrad/layers/registry.hpp"

namespace xtgrad {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

Sequential& Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(size()), std::move(module));
  return *this;
}

std::shared_ptr<Module> Sequential::operator[](std::size_t index) const {
  if (index >= size())
    throw std::out_of_range("Sequential: index " + std::to_string(index) + " is out of range for " +
                            std::to_string(size()) + " modules");
  return named_children()[index].second;
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& child : named_children()) x = child.second->forward(x);
  return x;
}

Value Sequential::config() const {
  Value layers = Value::list();
  for (const auto& child : named_children()) layers.push_back(describe(*child.second));
  Value c = Value::dict();
  c["layers"] = std::move(layers);
  return c;
}

std::shared_ptr<Sequential> Sequential::from_config(const Value& config) {
  const Value& layers = config.at("layers");
  if (!layers.is_list() || layers.size() == 0)
    throw std::invalid_argument("'layers' must be a non-empty list of module descriptions");
  auto seq = std::make_shared<Sequential>();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    try {
      seq->push_back(build_module(layers[i]));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("layers[" + std::to_string(i) + "]: " + e.what());
    }
  }
  return seq;
}

std::optional<InputSpec> Sequential::input_spec() const {
  for (const auto& child : named_children())
    if (auto spec = child.second->input_spec()) return spec;
  return std::nullopt;
}

bool Sequential::outputs_probabilities() const {
  return size() > 0 && named_children().back().second->outputs_probabilities();
}

}  // namespace xtgrad
