// Adam / AdamW (torch/optim/adam.py and adamw.py, single-tensor path), one pass per parameter.
// Scalars follow PyTorch: bias corrections in double, then rounded to float where applied.
#include "xtgrad/optim/adam.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/parallel.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/optim/detail/state_reader.hpp"

namespace xtgrad {

// ---- AdamOptions ----

void AdamOptions::check(std::vector<std::string>& problems) const {
  OptimizerOptions::check(problems);
  if (!(eps_ >= 0.0)) problems.push_back(detail::concat("invalid epsilon value: ", eps_));
  for (int i = 0; i < 2; ++i)
    if (!(betas_[i] >= 0.0 && betas_[i] < 1.0))
      problems.push_back(detail::concat("invalid beta parameter at index ", i, ": ", betas_[i]));
  if (!(weight_decay_ >= 0.0)) problems.push_back(detail::concat("invalid weight_decay value: ", weight_decay_));
}

void AdamOptions::write(Value& group) const {
  group["betas"] = Value::numbers({betas_[0], betas_[1]});
  group["eps"] = eps_;
  group["weight_decay"] = weight_decay_;
  group["amsgrad"] = amsgrad_;
}

void AdamOptions::read(detail::StateReader& in, const Value& group, const std::string& path) {
  std::vector<double> b = in.reals(group, path, "betas", 2);
  if (b.size() == 2) betas({b[0], b[1]});
  eps(in.real(group, path, "eps"));
  weight_decay(in.real(group, path, "weight_decay"));
  amsgrad(in.boolean(group, path, "amsgrad"));
}

// ---- Adam and AdamW ----

namespace {

AdamOptions adamw_defaults(AdamOptions defaults) {
  if (!defaults.is_set("weight_decay")) defaults.weight_decay(1e-2);  // torch.optim.AdamW's default
  return defaults;
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options, false, "Adam") {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults)
    : Adam(std::move(groups), defaults, false, "Adam") {}

AdamW::AdamW(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, adamw_defaults(options), true, "AdamW") {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamOptions& defaults)
    : Adam(std::move(groups), adamw_defaults(defaults), true, "AdamW") {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults, bool decoupled, const char* name)
    : Optimizer(defaults, name), decoupled_(decoupled) {
  add_param_groups(groups);
}

Value Adam::param_state(std::size_t k) const {
  if (!state_[k]) return Value();
  const AdamState& s = *state_[k];
  Value v = Value::dict();
  v["step"] = s.step;
  v["exp_avg"] = s.exp_avg;
  v["exp_avg_sq"] = s.exp_avg_sq;
  // The max exists when it has the moments' shape; for a parameter of no values (a rank's empty
  // part of a sharded parameter) the shapes always agree, so there the group's amsgrad decides.
  bool has_max = s.max_exp_avg_sq.shape() == s.exp_avg.shape() && (s.exp_avg.size() > 0 || amsgrad_of(k));
  if (has_max) v["max_exp_avg_sq"] = s.max_exp_avg_sq;
  return v;
}

bool Adam::amsgrad_of(std::size_t k) const {
  for (const ParamGroup& g : groups_) {
    if (k < g.params().size()) return static_cast<const AdamOptions&>(g.options()).amsgrad();
    k -= g.params().size();
  }
  return false;
}

void Adam::check_param_state(detail::StateReader& in, const std::string& path, const Value& state, const Tensor& param,
                             const OptimizerOptions& options) const {
  in.integer(state, path, "step", 0, detail::kStepMax);  // step() adds 1 to it
  Shape shape = param.shape();
  std::vector<std::string> keys = {"step", "exp_avg", "exp_avg_sq"};
  if (static_cast<const AdamOptions&>(options).amsgrad() || state.contains("max_exp_avg_sq"))
    keys.push_back("max_exp_avg_sq");
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (!state.contains(keys[i])) in.problem(detail::join_path(path, keys[i]), "missing");
    else in.tensor(state.at(keys[i]), detail::join_path(path, keys[i]), shape);
  }
  in.unexpected_keys(state, path, keys);
}

void Adam::set_param_state(std::size_t k, const Value& state) {
  if (state.is_null()) {
    state_[k].reset();
    return;
  }
  AdamState s;
  s.step = state.at("step").as_int();
  s.exp_avg = state.at("exp_avg").as_tensor();
  s.exp_avg_sq = state.at("exp_avg_sq").as_tensor();
  if (state.contains("max_exp_avg_sq")) s.max_exp_avg_sq = state.at("max_exp_avg_sq").as_tensor();
  state_[k] = std::move(s);
}

namespace {

// 1 − β1ᵗ and 1 − β2ᵗ, remembered for the last betas and step asked for: the same values,
// computed the same way, whether remembered or not.
class BiasCorrections {
 public:
  std::pair<double, double> at(double beta1, double beta2, std::int64_t step) {
    if (!known_ || step != step_ || beta1 != beta1_ || beta2 != beta2_) {
      known_ = true, step_ = step, beta1_ = beta1, beta2_ = beta2;
      corrections_ = {1.0 - std::pow(beta1, static_cast<double>(step)),
                      1.0 - std::pow(beta2, static_cast<double>(step))};
    }
    return corrections_;
  }

 private:
  bool known_ = false;
  std::int64_t step_ = 0;
  double beta1_ = 0.0, beta2_ = 0.0;
  std::pair<double, double> corrections_;
};

// Memory-bound: a large parameter is split over the threads set with set_num_threads().
void update(float* p, const float* grad, float* m, float* v, float* vmax, std::size_t n,
            const detail::AdamConstants& c) {
  const detail::SimdKernels& kernels = detail::simd_kernels();
  detail::parallel_for(n, detail::kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    kernels.adam_update(p + begin, grad + begin, m + begin, v + begin, vmax ? vmax + begin : nullptr, end - begin, c);
  });
}

}  // namespace

void Adam::step() {
  // The parameters of a group are usually at the same step, so the bias corrections (two pow
  // calls in double, as PyTorch's) are computed once per step and betas, not once per parameter.
  BiasCorrections corrections;
  std::size_t k = 0;
  for (ParamGroup& group : groups_) {
    const auto& o = static_cast<const AdamOptions&>(group.options());
    const double lr = o.lr(), beta1 = o.betas()[0], beta2 = o.betas()[1];
    const float decay = static_cast<float>(o.weight_decay());
    const float decay_factor = static_cast<float>(1.0 - lr * o.weight_decay());  // AdamW
    for (Tensor param : group.params()) {
      std::optional<AdamState>& slot = state_[k++];
      if (!param.has_grad()) continue;
      if (!slot) {
        slot.emplace();
        slot->exp_avg = xt::zeros<float>(param.value().shape());
        slot->exp_avg_sq = xt::zeros<float>(param.value().shape());
      }
      AdamState& s = *slot;
      // amsgrad switched on after the state was made: the max starts at zeros (PyTorch 1.13 fails here).
      if (o.amsgrad() && s.max_exp_avg_sq.shape() != s.exp_avg.shape())
        s.max_exp_avg_sq = xt::zeros<float>(param.value().shape());
      s.step += 1;
      const auto [bias_correction1, bias_correction2] = corrections.at(beta1, beta2, s.step);
      detail::AdamConstants c{static_cast<float>(beta1),
                              static_cast<float>(beta2),
                              static_cast<float>(1.0 - beta1),
                              static_cast<float>(1.0 - beta2),
                              static_cast<float>(o.eps()),
                              decay,
                              decay_factor,
                              static_cast<float>(lr / bias_correction1),
                              static_cast<float>(std::sqrt(bias_correction2)),
                              decoupled_};
      float* vmax = o.amsgrad() ? s.max_exp_avg_sq.data() : nullptr;
      update(param.mutable_value().data(), param.grad().data(), s.exp_avg.data(), s.exp_avg_sq.data(), vmax,
             param.numel(), c);
    }
  }
}

}  // namespace xtgrad
