// Sequential container.
#include "sequential.hpp"

#include <stdexcept>

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

}  // namespace xtgrad
