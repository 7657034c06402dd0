// Dropout: zeroes inputs with probability p in training mode (scaling the rest by 1/(1 − p)),
// the identity in eval mode.
#pragma once

#include <memory>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/random.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

class Dropout : public Module {
 public:
  /// Draws its masks from the calling thread's default generator (seeded by manual_seed()).
  explicit Dropout(double p = 0.5);
  /// Draws from `generator`, shared with the caller, so a run can be seeded and resumed apart
  /// from other random draws.
  Dropout(double p, std::shared_ptr<Generator> generator);
  static std::shared_ptr<Dropout> from_config(const Value& config);

  /// Any shape. In training: each element kept with probability 1 − p and scaled by 1/(1 − p)
  /// (p = 0 returns the input itself, p = 1 exact zeros); in eval: the input itself.
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Dropout"; }
  Value config() const override;

  const double p;
  std::shared_ptr<Generator> generator;  ///< null: the thread's default generator

 protected:
  std::string extra_repr() const override;
};

}  // namespace xtgrad

XTGRAD_API_END
