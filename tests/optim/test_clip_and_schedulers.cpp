// Gradient clipping and learning-rate schedulers against PyTorch.
#include "support/fixtures.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {
std::vector<Tensor> with_grads(const Json& grads) {
  std::vector<Tensor> params;
  for (const Json& g : grads) {
    Tensor p = zeros(to_tensor(g).shape(), true);
    p.mutable_grad() = to_array(g);
    params.push_back(p);
  }
  return params;
}
}  // namespace

TEST_CASE("clip_grad_norm_: total norm and clipped gradients match PyTorch") {
  for (const Json& c : fixture_cases("optim.json", "clip_grad_norm")) {
    double norm_type = c.at("norm_type").is_string() ? kInfNorm : c.at("norm_type").get<double>();
    CAPTURE(norm_type);
    std::vector<Tensor> params = with_grads(c.at("grads"));
    params.push_back(zeros({3}, true));  // no gradient: skipped
    double total = clip_grad_norm_(params, c.at("max_norm").get<double>(), norm_type);
    CHECK(total == doctest::Approx(c.at("total_norm").get<double>()).epsilon(1e-6));
    for (std::size_t i = 0; i < c.at("clipped").size(); ++i)
      CHECK_ALL_CLOSE(params[i].grad(), to_array(c.at("clipped")[i]));
    CHECK_FALSE(params.back().has_grad());
  }
}

TEST_CASE("clip_grad_norm_: a non-finite norm can be an error") {
  Tensor p = zeros({2}, true);
  p.mutable_grad() = Array{1.0f, INFINITY};
  CHECK_THROWS_AS(clip_grad_norm_({p}, 1.0, 2.0, true), std::invalid_argument);
  CHECK(std::isinf(clip_grad_norm_({p}, 1.0)));
}

TEST_CASE("clip_grad_value_: matches PyTorch") {
  const Json& c = load_fixture("optim.json").at("clip_grad_value");
  std::vector<Tensor> params = with_grads(c.at("grads"));
  clip_grad_value_(params, c.at("clip_value").get<double>());
  for (std::size_t i = 0; i < params.size(); ++i) CHECK_ALL_CLOSE(params[i].grad(), to_array(c.at("clipped")[i]));
}

TEST_CASE("schedulers: StepLR and CosineAnnealingLR follow PyTorch epoch by epoch") {
  const Json& s = load_fixture("optim.json").at("schedulers");
  Tensor p = zeros({1}, true);
  {
    const Json& c = s.at("StepLR");
    SGD sgd({p}, c.at("lr").get<double>());
    StepLR sched(sgd, c.at("step_size").get<int>(), c.at("gamma").get<double>());
    for (const Json& lr : c.at("lrs")) {
      CHECK(sgd.param_groups()[0].options().lr() == doctest::Approx(lr.get<double>()).epsilon(1e-12));
      sgd.step();
      sched.step();
    }
  }
  {
    const Json& c = s.at("CosineAnnealingLR");
    SGD sgd({p}, c.at("lr").get<double>());
    CosineAnnealingLR sched(sgd, c.at("T_max").get<int>(), c.at("eta_min").get<double>());
    for (const Json& lr : c.at("lrs")) {
      CHECK(sgd.param_groups()[0].options().lr() == doctest::Approx(lr.get<double>()).epsilon(1e-12));
      sgd.step();
      sched.step();
    }
  }
  SGD sgd({p}, 0.1);
  CHECK_THROWS_AS(StepLR(sgd, 0), std::invalid_argument);
  CHECK_THROWS_AS(CosineAnnealingLR(sgd, 0), std::invalid_argument);
}

TEST_CASE("clip_grad_norm_ and clip_grad_value_: a NaN gradient is not clipped away, as PyTorch's clamp") {
  // torch 1.13: clip_grad_norm_ returns nan and multiplies every gradient by clamp(nan, max=1) = nan;
  // clip_grad_value_(params, 0.5) leaves nan where it was and clamps the rest.
  for (double norm_type : {2.0, 1.0, kInfNorm}) {
    CAPTURE(norm_type);
    Tensor a = zeros({2}, true), b = zeros({3}, true);
    a.mutable_grad() = Array{2.0f, -1.5f};
    b.mutable_grad() = Array{NAN, 0.25f, 3.0f};
    CHECK(std::isnan(clip_grad_norm_({a, b}, 1.0, norm_type)));
    for (const Tensor& p : {a, b})
      for (float g : p.grad()) CHECK(std::isnan(g));
  }
  Tensor c = zeros({4}, true);
  c.mutable_grad() = Array{-1.0f, NAN, 0.25f, 0.75f};
  clip_grad_value_({c}, 0.5);
  CHECK(c.grad()(0) == -0.5f);
  CHECK(std::isnan(c.grad()(1)));
  CHECK(c.grad()(2) == 0.25f);
  CHECK(c.grad()(3) == 0.5f);
}
