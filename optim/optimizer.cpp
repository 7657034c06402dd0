// Optimizer base: parameter list and learning-rate validation.
#include "optimizer.hpp"

#include <cmath>

#include "../core/detail/check.hpp"

namespace xtgrad {

Optimizer::Optimizer(std::vector<Tensor> params, double lr, const char* name)
    : params_(std::move(params)), lr_(0.0), name_(name) {
  XTGRAD_CHECK(!params_.empty(), name_, "optimizer got an empty parameter list");
  for (std::size_t i = 0; i < params_.size(); ++i)
    XTGRAD_CHECK(params_[i].requires_grad() && params_[i].is_leaf(), name_, "parameter ", i,
                  " must be a leaf tensor that requires grad");
  set_lr(lr);
}

void Optimizer::set_lr(double lr) {
  XTGRAD_CHECK(lr >= 0.0 && std::isfinite(lr), name_, "invalid learning rate: ", lr, " (must be finite and >= 0)");
  lr_ = lr;
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

}  // namespace xtgrad
