// Adam / AdamW (torch/optim/adam.py and adamw.py, single-tensor path), one pass per parameter.
// Scalars follow PyTorch: bias corrections in double, then rounded to float where applied.
#include "adam.hpp"

#include <cmath>

#include "../core/detail/check.hpp"

namespace xtgrad {

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options) : Adam(std::move(params), options, false, "Adam") {}

AdamW::AdamW(std::vector<Tensor> params, const AdamOptions& options) : Adam(std::move(params), options, true, "AdamW") {}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled, const char* name)
    : Optimizer(std::move(params), options.lr, name), options_(options), decoupled_(decoupled) {
  XTGRAD_CHECK(options.eps >= 0.0, name, "invalid epsilon value: ", options.eps);
  XTGRAD_CHECK(options.beta1 >= 0.0 && options.beta1 < 1.0, name, "invalid beta parameter at index 0: ", options.beta1);
  XTGRAD_CHECK(options.beta2 >= 0.0 && options.beta2 < 1.0, name, "invalid beta parameter at index 1: ", options.beta2);
  XTGRAD_CHECK(options.weight_decay >= 0.0, name, "invalid weight_decay value: ", options.weight_decay);
  state_.resize(params_.size());
}

namespace {

struct Scalars {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, eps, decay, decay_factor, step_size, bc2_sqrt;
};

// One parameter's update in a single pass; the variant flags are template arguments so the
// loop has no branches and vectorises.
template <bool Decoupled, bool L2, bool Amsgrad>
void adam_pass(float* __restrict p, const float* __restrict grad, float* __restrict m, float* __restrict v,
               float* __restrict vmax, std::size_t n, const Scalars& c) {
  for (std::size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if (Decoupled) p[i] *= c.decay_factor;
    if (L2) g += c.decay * p[i];
    m[i] = m[i] * c.beta1 + c.one_minus_beta1 * g;
    v[i] = v[i] * c.beta2 + c.one_minus_beta2 * g * g;
    float second = v[i];
    if (Amsgrad) {
      vmax[i] = std::fmax(vmax[i], v[i]);  // amsgrad keeps the max of the raw v
      second = vmax[i];
    }
    float denom = std::sqrt(second) / c.bc2_sqrt + c.eps;
    p[i] += -c.step_size * m[i] / denom;
  }
}

void update(bool decoupled, float* p, const float* grad, float* m, float* v, float* vmax, std::size_t n,
            const Scalars& c) {
  bool l2 = !decoupled && c.decay != 0.0f;
  if (decoupled) vmax ? adam_pass<true, false, true>(p, grad, m, v, vmax, n, c) : adam_pass<true, false, false>(p, grad, m, v, vmax, n, c);
  else if (l2) vmax ? adam_pass<false, true, true>(p, grad, m, v, vmax, n, c) : adam_pass<false, true, false>(p, grad, m, v, vmax, n, c);
  else vmax ? adam_pass<false, false, true>(p, grad, m, v, vmax, n, c) : adam_pass<false, false, false>(p, grad, m, v, vmax, n, c);
}

}  // namespace

void Adam::step() {
  options_.lr = lr_;
  const float beta1 = static_cast<float>(options_.beta1), beta2 = static_cast<float>(options_.beta2);
  const float one_minus_beta1 = static_cast<float>(1.0 - options_.beta1);
  const float one_minus_beta2 = static_cast<float>(1.0 - options_.beta2);
  const float eps = static_cast<float>(options_.eps);
  const float decay = static_cast<float>(options_.weight_decay);
  const float decay_factor = static_cast<float>(1.0 - lr_ * options_.weight_decay);  // AdamW
  for (std::size_t k = 0; k < params_.size(); ++k) {
    Tensor& param = params_[k];
    if (!param.has_grad()) continue;
    AdamState& s = state_[k];
    if (s.step == 0) {
      s.exp_avg = xt::zeros<float>(param.value().shape());
      s.exp_avg_sq = xt::zeros<float>(param.value().shape());
      if (options_.amsgrad) s.max_exp_avg_sq = xt::zeros<float>(param.value().shape());
    }
    s.step += 1;
    const double bias_correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(s.step));
    const double bias_correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(s.step));
    const float step_size = static_cast<float>(lr_ / bias_correction1);
    const float bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2));

    Scalars k_scalars{beta1, beta2, one_minus_beta1, one_minus_beta2, eps, decay, decay_factor, step_size, bc2_sqrt};
    float* vmax = options_.amsgrad ? s.max_exp_avg_sq.data() : nullptr;
    update(decoupled_, param.mutable_value().data(), param.grad().data(), s.exp_avg.data(), s.exp_avg_sq.data(), vmax,
           param.numel(), k_scalars);
  }
}

}  // namespace xtgrad
