// Module: the base of every layer. Holds named parameters, buffers and child modules, so that
// state_dict() gives PyTorch's dotted keys ("0.weight", "fc.bias", "bn.running_mean"), and
// describes itself (type_name() and config()) so a file can rebuild it (layers/registry.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"
#include "xtgrad/core/value.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Named tensors in order: what named_parameters() and state_dict() return.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// What one sample looks like to a module, for tools that feed it rows of plain numbers
/// (`xtgrad predict`): `features` numbers per step; a sequence model takes any number of steps.
/// A module that takes token indices (an Embedding) says so with `token_indices`, so that a
/// container does not look past it to a later layer's width.
struct InputSpec {
  std::size_t features = 0;
  bool sequence = false;
  bool token_indices = false;
  std::size_t vocabulary = 0;  ///< with token_indices: the ids run over [0, vocabulary)
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;  // parameters are handles: a copy would alias them
  Module& operator=(const Module&) = delete;

  /// The single-input forward pass. Modules whose forward takes more (LSTM) also offer their own.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  /// Every parameter of this module and its children, depth first in registration order,
  /// with dotted names. A tensor registered under several names (tied weights) is listed once,
  /// under its first name, as PyTorch's named_parameters(); state_dict() keeps every name.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  /// Every buffer (persistent or not), named as the parameters are (and listed once, likewise).
  NamedTensors named_buffers() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }

  /// Parameters and persistent buffers, in PyTorch's order: each module's own parameters, then
  /// its own buffers, then each child's. The tensors are the module's own handles (as
  /// PyTorch's state_dict shares storage): read them, or copy_ into them.
  NamedTensors state_dict() const;
  /// Copies values into the tensors of the same names. Checks everything first and throws
  /// std::invalid_argument listing every missing (strict), unexpected (strict) and mis-shaped
  /// key; on error nothing changes.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  void train(bool on = true);  ///< sets training mode here and in every child
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad(bool set_to_none = true);  ///< every parameter's Tensor::zero_grad(set_to_none)

  /// The type as PyTorch names it ("Linear", "Sequential"); the name it is registered under
  /// for rebuilding from a file (register_module_type).
  virtual std::string type_name() const = 0;
  /// The constructor options that rebuild this module ({"in_features": 2, ...}); a container
  /// includes its children's descriptions. Empty for modules without options.
  virtual Value config() const { return Value::dict(); }
  /// One line for leaf modules ("Linear(in_features=2, out_features=16, bias=True)"); the tree of
  /// children, indented, for containers, as PyTorch prints them.
  virtual std::string repr() const;
  /// The shape of one input sample, when the module knows it (Linear, LSTM, containers).
  virtual std::optional<InputSpec> input_spec() const { return std::nullopt; }
  /// True when forward() already ends in probabilities (a final Sigmoid).
  virtual bool outputs_probabilities() const { return false; }

 protected:
  /// Registers a parameter (it will require grad) and returns the same handle:
  /// `weight = register_parameter("weight", randn({4, 2}));`.
  Tensor register_parameter(const std::string& name, Tensor parameter);
  /// Registers state that is not trained (running statistics, say). A persistent buffer is
  /// part of state_dict() and so of every saved file; a non-persistent one is not.
  Tensor register_buffer(const std::string& name, Tensor buffer, bool persistent = true);
  /// Registers a child and returns it with its own type: `fc = register_module("fc", std::make_shared<Linear>(16,
  /// 1));`.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    add_child(name, child);
    return child;
  }
  /// What repr() puts between the parentheses for a leaf module.
  virtual std::string extra_repr() const { return ""; }

 private:
  struct Buffer {
    std::string name;
    Tensor tensor;
    bool persistent;
  };
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  void check_new_name(const char* what, const std::string& name) const;
  enum class Collect { Parameters, Buffers, State };
  void collect(const std::string& prefix, Collect what, NamedTensors& out) const;

  NamedTensors parameters_;
  std::vector<Buffer> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace xtgrad

XTGRAD_API_END
