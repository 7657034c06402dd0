// Activation modules: ReLU, Tanh and Sigmoid wrap the ops of the same name.
#pragma once

#include "module.hpp"

namespace xtgrad {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "ReLU"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Tanh"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Sigmoid"; }
  bool outputs_probabilities() const override { return true; }
};

}  // namespace xtgrad
