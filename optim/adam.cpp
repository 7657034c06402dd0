// Adam / AdamW (torch/optim/adam.py and adamw.py, single-tensor path), one pass per parameter.
// Scalars follow PyTorch: bias corrections in double, then rounded to float where applied.
#include "adam.hpp"

#include <algorithm>
#include <cmath>

#include "../core/detail/check.hpp"
#include "../core/detail/parallel.hpp"
#include "../core/detail/simd.hpp"

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

using detail::FloatBatch;

// One parameter's update in a single pass over lanes [begin, end), in PyTorch's order of
// operations. The variant flags are template arguments so the loop has no branches.
template <bool Decoupled, bool L2, bool Amsgrad>
void adam_pass(float* p, const float* grad, float* m, float* v, float* vmax, std::size_t begin, std::size_t end,
               const Scalars& c) {
  const FloatBatch beta1(c.beta1), beta2(c.beta2), one_minus_beta1(c.one_minus_beta1),
      one_minus_beta2(c.one_minus_beta2), eps(c.eps), decay(c.decay), decay_factor(c.decay_factor),
      neg_step_size(-c.step_size), bc2_sqrt(c.bc2_sqrt);
  for (std::size_t i = begin; i < end; i += FloatBatch::size) {
    std::size_t lanes = std::min(FloatBatch::size, end - i);
    FloatBatch pi = detail::load_n(p + i, lanes), g = detail::load_n(grad + i, lanes);
    FloatBatch mi = detail::load_n(m + i, lanes), vi = detail::load_n(v + i, lanes);
    if (Decoupled) pi *= decay_factor;
    if (L2) g = xsimd::fma(decay, pi, g);
    mi = xsimd::fma(one_minus_beta1, g, mi * beta1);
    vi = xsimd::fma(one_minus_beta2 * g, g, vi * beta2);
    FloatBatch second = vi;
    if (Amsgrad) {  // amsgrad keeps the max of the raw v
      second = xsimd::max(detail::load_n(vmax + i, lanes), vi);
      detail::store_n(second, vmax + i, lanes);
    }
    FloatBatch denom = xsimd::sqrt(second) / bc2_sqrt + eps;
    pi += neg_step_size * mi / denom;
    detail::store_n(pi, p + i, lanes);
    detail::store_n(mi, m + i, lanes);
    detail::store_n(vi, v + i, lanes);
  }
}

template <bool Decoupled, bool L2, bool Amsgrad>
void adam_update(float* p, const float* grad, float* m, float* v, float* vmax, std::size_t n, const Scalars& c) {
  // Memory-bound: a large parameter is split over the threads set with set_num_threads().
  detail::parallel_for(n, detail::kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    adam_pass<Decoupled, L2, Amsgrad>(p, grad, m, v, vmax, begin, end, c);
  });
}

void update(bool decoupled, float* p, const float* grad, float* m, float* v, float* vmax, std::size_t n,
            const Scalars& c) {
  bool l2 = !decoupled && c.decay != 0.0f;
  if (decoupled) vmax ? adam_update<true, false, true>(p, grad, m, v, vmax, n, c) : adam_update<true, false, false>(p, grad, m, v, vmax, n, c);
  else if (l2) vmax ? adam_update<false, true, true>(p, grad, m, v, vmax, n, c) : adam_update<false, true, false>(p, grad, m, v, vmax, n, c);
  else vmax ? adam_update<false, false, true>(p, grad, m, v, vmax, n, c) : adam_update<false, false, false>(p, grad, m, v, vmax, n, c);
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
