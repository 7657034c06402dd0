// Linear: y = x Wᵀ + b, with PyTorch's shapes, names and initialisation.
#pragma once

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/random.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// LinearOptions(in, out).bias(false), as PyTorch's C++ frontend.
struct LinearOptions {
  LinearOptions(std::size_t in_features, std::size_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  LinearOptions& bias(bool on) {
    bias_ = on;
    return *this;
  }
  std::size_t in_features() const { return in_features_; }
  std::size_t out_features() const { return out_features_; }
  bool bias() const { return bias_; }

 private:
  std::size_t in_features_, out_features_;
  bool bias_ = true;
};

class Linear : public Module {
 public:
  /// weight [out, in] and bias [out], both drawn from U(−1/√in, 1/√in) like PyTorch's
  /// reset_parameters (kaiming_uniform with a = √5 gives the same bound), weight first.
  explicit Linear(const LinearOptions& options);
  Linear(const LinearOptions& options, Generator& gen);
  Linear(std::size_t in_features, std::size_t out_features, bool bias = true);
  Linear(std::size_t in_features, std::size_t out_features, bool bias, Generator& gen);
  /// From describe()'s {"in_features", "out_features", "bias"} (sizes up to 2^24).
  static std::shared_ptr<Linear> from_config(const Value& config);

  /// input [*, in] -> [*, out].
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Linear"; }
  Value config() const override;
  std::optional<InputSpec> input_spec() const override { return InputSpec{in_features, false}; }

  std::size_t in_features, out_features;
  Tensor weight;  // [out, in]
  Tensor bias;    // [out]; unregistered (and unused) without bias
  bool has_bias;

 protected:
  std::string extra_repr() const override;
};

}  // namespace xtgrad

XTGRAD_API_END
