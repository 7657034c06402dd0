// SGD, Adam and AdamW: 20-step trajectories against PyTorch, validation, inspectable state, and
// SGD bit for bit.
#include "support/fixtures.hpp"
#include "support/kernel_inputs.hpp"
#include "support/testing.hpp"
#include "xtgrad/core/detail/isa.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

std::unique_ptr<Optimizer> make_optimizer(const std::string& kind, const Json& o, std::vector<Tensor> params) {
  if (kind == "SGD")
    return std::make_unique<SGD>(std::move(params), o.at("lr").get<double>(), o.at("momentum").get<double>(),
                                 o.at("dampening").get<double>(), o.at("weight_decay").get<double>(),
                                 o.at("nesterov").get<bool>());
  AdamOptions a = AdamOptions(o.at("lr").get<double>())
                      .betas({o.at("betas")[0].get<double>(), o.at("betas")[1].get<double>()})
                      .eps(o.at("eps").get<double>())
                      .weight_decay(o.at("weight_decay").get<double>())
                      .amsgrad(o.at("amsgrad").get<bool>());
  if (kind == "Adam") return std::make_unique<Adam>(std::move(params), a);
  return std::make_unique<AdamW>(std::move(params), a);
}

}  // namespace

TEST_CASE("optimizers: 20-step trajectories match PyTorch") {
  const Json& fixture = load_fixture("optim.json");
  Tensor x = to_tensor(fixture.at("input"));
  Tensor y = to_tensor(fixture.at("target"));
  for (const Json& t : fixture_cases("optim.json", "trajectories")) {
    std::string kind = t.at("optimizer");
    std::string options = t.at("options").dump();
    CAPTURE(kind);
    CAPTURE(options);
    Sequential net{std::make_shared<Linear>(2, 8), std::make_shared<Tanh>(), std::make_shared<Linear>(8, 1)};
    load_parameters(net, fixture.at("params"));
    auto optimizer = make_optimizer(kind, t.at("options"), net.parameters());
    for (std::size_t step = 0; step < 20; ++step) {
      optimizer->zero_grad();
      Tensor loss = binary_cross_entropy_with_logits(net(x), y);
      CHECK(loss.item() == doctest::Approx(t.at("losses")[step].get<double>()).epsilon(1e-4));
      loss.backward();
      optimizer->step();
      if (step == 0)
        for (auto& [name, p] : net.named_parameters())
          CHECK_ALL_CLOSE(p.value(), to_array(t.at("params_after_step_1").at(name)), 1e-5, 1e-6);
    }
    for (auto& [name, p] : net.named_parameters()) {
      CAPTURE_BINDING(name);
      CHECK_ALL_CLOSE(p.value(), to_array(t.at("final_params").at(name)), 1e-4, 1e-5);
    }
  }
}

TEST_CASE("optimizers: invalid settings are rejected with PyTorch's reasons") {
  Tensor p = zeros({2}, true);
  CHECK_THROWS_WITH_AS(SGD({}, 0.1), "SGD: optimizer got an empty parameter list", std::invalid_argument);
  CHECK_THROWS_WITH_AS(SGD({p}, -0.1), "SGD: invalid learning rate: -0.1 (must be finite and >= 0)",
                       std::invalid_argument);
  CHECK_THROWS_AS(SGD({p}, 0.1, -0.5), std::invalid_argument);
  CHECK_THROWS_WITH_AS(SGD({p}, 0.1, 0.0, 0.0, 0.0, true),
                       "SGD: Nesterov momentum requires a momentum and zero dampening", std::invalid_argument);
  CHECK_THROWS_AS(SGD({p}, 0.1, 0.9, 0.1, 0.0, true), std::invalid_argument);
  CHECK_THROWS_WITH_AS(Adam({p}, AdamOptions().betas({0.9, 1.0})), "Adam: invalid beta parameter at index 1: 1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(AdamW({p}, AdamOptions(-1)), "AdamW: invalid learning rate: -1 (must be finite and >= 0)",
                       std::invalid_argument);
  CHECK_THROWS_AS(Adam({p}, AdamOptions(NAN)), std::invalid_argument);
  CHECK_THROWS_AS(Adam({zeros({2})}), std::invalid_argument);  // not requiring grad
}

TEST_CASE("optimizers: state is inspectable and parameters without gradients are skipped") {
  Tensor a = tensor({1, 2}, true), b = tensor({3}, true);
  Adam adam({a, b});
  sum(a * a).backward();
  adam.step();
  CHECK(adam.state()[0]->step == 1);
  CHECK_FALSE(adam.state()[1].has_value());  // b had no gradient
  CHECK(b.value()(0) == 3.0f);
  // After one step m = (1 − β1)·g with g = 2a.
  CHECK(adam.state()[0]->exp_avg(1) == doctest::Approx(0.1 * 4.0));
  CHECK(static_cast<const AdamOptions&>(AdamW({a}).param_groups()[0].options()).weight_decay() == 1e-2);
  SGD sgd({a}, 0.1, 0.9);
  CHECK_FALSE(sgd.has_momentum_buffer(0));
  CHECK_THROWS_AS(sgd.momentum_buffer(0), std::invalid_argument);
  sgd.step();
  CHECK(sgd.momentum_buffer(0) == a.grad());  // the first buffer is the gradient itself
}

TEST_CASE("Adam: parameters of one group at different steps each get their own bias corrections") {
  // b first has a gradient at a's second step: its first step moves it by lr·g/(|g| + eps) (m̂ = g,
  // v̂ = g²), not by a step-2 correction's; and a moves exactly as it does alone.
  const double lr = 0.1;
  Tensor a = tensor({1.0f, -2.0f}, true), b = tensor({0.5f}, true), alone = tensor({1.0f, -2.0f}, true);
  Adam both({a, b}, AdamOptions(lr)), single({alone}, AdamOptions(lr));
  for (int step = 1; step <= 2; ++step) {
    both.zero_grad(), single.zero_grad();
    Tensor loss = sum(a * a);
    if (step == 2) loss = loss + sum(b * b * 3.0f);  // db = 6b = 3
    loss.backward();
    sum(alone * alone).backward();
    both.step(), single.step();
  }
  CHECK(both.state()[0]->step == 2);
  CHECK(both.state()[1]->step == 1);
  CHECK(b.value()(0) == doctest::Approx(0.5 - lr * 3.0 / (3.0 + 1e-8)).epsilon(1e-6));
  CHECK(a.value() == alone.value());
}

TEST_CASE("SGD: momentum, dampening and weight decay over 10 steps are PyTorch's, bit for bit with an FMA") {
  // PyTorch 1.13's float64 sums of the final parameter and buffer, from
  // tests/core/optimizer_kernels_torch.py ("sgd dampening L2"); its adds with alpha are fused
  // multiply-adds on AVX2 and AVX-512 CPUs, which xtgrad's kernels use there too. SSE2 has none:
  // two roundings per update move each value by up to 1e-7 of the largest, and the sums, whose
  // terms cancel, by 9e-7 of themselves (a float64 emulation of both orders).
  Tensor param = tensor(optimizer_grid(0), {301}, true);
  SGD sgd({param}, SGDOptions(0.1).momentum(0.9).dampening(0.1).weight_decay(0.01));
  for (std::size_t t = 0; t < 10; ++t) {
    std::vector<float> grad = optimizer_grad(t);
    std::copy(grad.begin(), grad.end(), param.mutable_grad().begin());
    sgd.step();
  }
  const Array& buf = sgd.momentum_buffer(0);
  const double sum_p = sum_in_order({param.value().begin(), param.value().end()});
  const double sum_buf = sum_in_order({buf.begin(), buf.end()});
  if (detail::active_isa() == detail::Isa::Sse2) {
    CHECK(sum_p == doctest::Approx(2.2070193151012063).epsilon(1e-5));
    CHECK(sum_buf == doctest::Approx(-1.6781101464293897).epsilon(1e-5));
  } else {
    CHECK(sum_p == 2.2070193151012063);
    CHECK(sum_buf == -1.6781101464293897);
  }
}

TEST_CASE("zero_grad(set_to_none = false): a parameter keeps a zero gradient and is still stepped, as torch 1.13") {
  // Expected: torch 1.13, a = [1, -2], b = [0.5, 3], Adam(lr=0.1) or SGD(lr=0.1, momentum=0.9);
  // five steps of o.zero_grad(set_to_none=...), loss (a·a).sum() + (b·b).sum() on the first step
  // and (a·a).sum() after, backward, o.step(). With set_to_none=False b keeps moving on its
  // momentum; with True (PyTorch 2's default, and xtgrad's) it has no gradient and stays.
  struct Run {
    bool adam, set_to_none;
    std::vector<float> a, b;
  };
  const std::vector<Run> runs = {
      {true, false, {0.507963717f, -1.50295579f}, {0.20290935f, 2.70290947f}},
      {false, false, {-0.580420017f, 1.16084003f}, {0.0904900134f, 0.542940259f}},
      {true, true, {0.507963717f, -1.50295579f}, {0.400000006f, 2.9000001f}},
      {false, true, {-0.580420017f, 1.16084003f}, {0.400000006f, 2.4000001f}},
  };
  for (const Run& r : runs) {
    CAPTURE(r.adam);
    CAPTURE(r.set_to_none);
    Tensor a = tensor({1.0f, -2.0f}, true), b = tensor({0.5f, 3.0f}, true);
    std::unique_ptr<Optimizer> o;
    if (r.adam) o = std::make_unique<Adam>(std::vector<Tensor>{a, b}, AdamOptions(0.1));
    else o = std::make_unique<SGD>(std::vector<Tensor>{a, b}, SGDOptions(0.1).momentum(0.9));
    for (int t = 0; t < 5; ++t) {
      o->zero_grad(r.set_to_none);
      Tensor loss = t == 0 ? sum(a * a) + sum(b * b) : sum(a * a);
      loss.backward();
      o->step();
    }
    CHECK(b.has_grad() == !r.set_to_none);
    for (std::size_t i = 0; i < 2; ++i) {
      CHECK(a.value()(i) == doctest::Approx(r.a[i]).epsilon(1e-6));
      CHECK(b.value()(i) == doctest::Approx(r.b[i]).epsilon(1e-6));
    }
  }
}
