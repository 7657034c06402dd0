// Dropout module over the dropout op; the module supplies the mode and the generator.
#include "xtgrad/layers/dropout.hpp"

#include <stdexcept>

#include "xtgrad/core/ops.hpp"
#include "xtgrad/layers/detail/repr.hpp"

namespace xtgrad {

Dropout::Dropout(double p) : Dropout(p, nullptr) {}

Dropout::Dropout(double probability, std::shared_ptr<Generator> gen) : p(probability), generator(std::move(gen)) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument("Dropout: probability has to be between 0 and 1, but got " + std::to_string(p));
}

std::shared_ptr<Dropout> Dropout::from_config(const Value& c) {
  return std::make_shared<Dropout>(c.get_real_or("p", 0.5));
}

Tensor Dropout::forward(const Tensor& input) {
  return dropout(input, static_cast<float>(p), is_training(), generator ? *generator : default_generator());
}

Value Dropout::config() const {
  Value c = Value::dict();
  c["p"] = p;
  return c;
}

// PyTorch's Dropout also prints its inplace flag; ours never works in place.
std::string Dropout::extra_repr() const { return "p=" + detail::float_repr(p) + ", inplace=False"; }

}  // namespace xtgrad
