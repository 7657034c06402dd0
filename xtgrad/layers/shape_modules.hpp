// Modules that pass their input on unchanged or only reshaped: Identity and Flatten.
#pragma once

#include <cstdint>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// Returns its input itself (a placeholder where a layer is optional, as nn.Identity).
class Identity : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
  std::string type_name() const override { return "Identity"; }
};

/// Merges dims start_dim..end_dim into one; the defaults keep dim 0 (the batch), as nn.Flatten.
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1);
  static std::shared_ptr<Flatten> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Flatten"; }
  Value config() const override;
  const std::int64_t start_dim, end_dim;

 protected:
  std::string extra_repr() const override;
};

}  // namespace xtgrad

XTGRAD_API_END
