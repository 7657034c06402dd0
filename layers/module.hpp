// Module: the base of every layer. Holds named parameters and child modules, so that
// named_parameters() gives PyTorch's dotted state_dict names ("0.weight", "fc.bias").
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../core/tensor.hpp"

namespace xtgrad {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;             // parameters are handles: a copy would alias them
  Module& operator=(const Module&) = delete;

  /// The single-input forward pass. Modules whose forward takes more (LSTM) also offer their own.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  /// Every parameter of this module and its children, depth first in registration order,
  /// with dotted names.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }

  void train(bool on = true);   ///< sets training mode here and in every child
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();             ///< drops every parameter's gradient

  /// One line for leaf modules ("Linear(in_features=2, out_features=16, bias=true)"); the tree of
  /// children, indented, for containers, as PyTorch prints them.
  virtual std::string repr() const;
  /// The type as PyTorch names it ("Linear", "Sequential").
  virtual std::string type_name() const = 0;

 protected:
  /// Registers a parameter (it will require grad) and returns the same handle.
  Tensor register_parameter(const std::string& name, Tensor parameter);
  /// Registers a tensor that is state but not trained (running statistics, say).
  Tensor register_buffer(const std::string& name, Tensor buffer);
  std::shared_ptr<Module> register_module(const std::string& name, std::shared_ptr<Module> child);
  /// What repr() puts between the parentheses for a leaf module.
  virtual std::string extra_repr() const { return ""; }

 private:
  void check_new_name(const char* what, const std::string& name) const;
  void collect(const std::string& prefix, bool buffers, std::vector<std::pair<std::string, Tensor>>& out) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace xtgrad
