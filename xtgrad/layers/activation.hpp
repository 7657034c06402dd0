// Activation modules: stateless wrappers over the core ops of the same names, with PyTorch's
// options, defaults and type names.
#pragma once

#include <cstdint>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

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

class SiLU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "SiLU"; }
};

/// Options are kept as doubles, as PyTorch keeps them, so that a config written here and one
/// written by PyTorch read the same (0.01, not 0.009999999776).
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01);
  static std::shared_ptr<LeakyReLU> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "LeakyReLU"; }
  Value config() const override;
  const double negative_slope;

 protected:
  std::string extra_repr() const override;
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0);
  static std::shared_ptr<ELU> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "ELU"; }
  Value config() const override;
  const double alpha;

 protected:
  std::string extra_repr() const override;
};

/// GELU("none") is the exact erf form, GELU("tanh") the tanh approximation.
class GELU : public Module {
 public:
  explicit GELU(const std::string& approximate = "none");
  static std::shared_ptr<GELU> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "GELU"; }
  Value config() const override;
  const std::string approximate;

 protected:
  std::string extra_repr() const override;
};

class Softplus : public Module {
 public:
  explicit Softplus(double beta = 1.0, double threshold = 20.0);
  static std::shared_ptr<Softplus> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Softplus"; }
  Value config() const override;
  const double beta, threshold;

 protected:
  std::string extra_repr() const override;
};

class Hardtanh : public Module {
 public:
  explicit Hardtanh(double min_val = -1.0, double max_val = 1.0);
  static std::shared_ptr<Hardtanh> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Hardtanh"; }
  Value config() const override;
  const double min_val, max_val;

 protected:
  std::string extra_repr() const override;
};

/// Softmax and LogSoftmax along `dim` (negative counts from the end).
class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t dim);
  static std::shared_ptr<Softmax> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Softmax"; }
  Value config() const override;
  /// Over the class dimension of [N, C] outputs (dim 1 or -1): the model's outputs are already
  /// class probabilities, which predict must not put through softmax again.
  bool outputs_probabilities() const override { return dim == 1 || dim == -1; }
  const std::int64_t dim;

 protected:
  std::string extra_repr() const override;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(std::int64_t dim);
  static std::shared_ptr<LogSoftmax> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "LogSoftmax"; }
  Value config() const override;
  const std::int64_t dim;

 protected:
  std::string extra_repr() const override;
};

}  // namespace xtgrad

XTGRAD_API_END
