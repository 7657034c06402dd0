// Sequential: runs its children in order; names them 0, 1, 2, ... as PyTorch does.
#pragma once

#include <initializer_list>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);

  Sequential& push_back(std::shared_ptr<Module> module);  ///< appends, named by its index
  std::shared_ptr<Module> operator[](std::size_t index) const;
  std::size_t size() const { return named_children().size(); }

  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Sequential"; }
  /// {"layers": [each child's description]}.
  Value config() const override;
  static std::shared_ptr<Sequential> from_config(const Value& config);
  /// The first child's that knows its input; the last child's outputs_probabilities().
  std::optional<InputSpec> input_spec() const override;
  bool outputs_probabilities() const override;
};

}  // namespace xtgrad

XTGRAD_API_END
