// Linear: y = x Wᵀ + b, with PyTorch's shapes, names and initialisation.
#pragma once

#include "../core/random.hpp"
#include "module.hpp"

namespace xtgrad {

class Linear : public Module {
 public:
  /// weight [out, in] and bias [out], both drawn from U(−1/√in, 1/√in) like PyTorch's
  /// reset_parameters (kaiming_uniform with a = √5 gives the same bound), weight first.
  Linear(std::size_t in_features, std::size_t out_features, bool bias = true);
  Linear(std::size_t in_features, std::size_t out_features, bool bias, Generator& gen);

  /// input [batch, in] -> [batch, out]; a 1-D input [in] gives [out].
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Linear"; }

  std::size_t in_features, out_features;
  Tensor weight;   // [out, in]
  Tensor bias;     // [out]; unregistered (and unused) without bias
  bool has_bias;

 protected:
  std::string extra_repr() const override;
};

}  // namespace xtgrad
