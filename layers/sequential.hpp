// Sequential: runs its children in order; names them 0, 1, 2, ... as PyTorch does.
#pragma once

#include <initializer_list>

#include "module.hpp"

namespace xtgrad {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);

  Sequential& push_back(std::shared_ptr<Module> module);   ///< appends, named by its index
  Sequential& append(std::shared_ptr<Module> module) { return push_back(std::move(module)); }
  std::shared_ptr<Module> operator[](std::size_t index) const;
  std::size_t size() const { return named_children().size(); }

  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Sequential"; }
};

}  // namespace xtgrad
