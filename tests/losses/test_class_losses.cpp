// Cross-entropy, NLL and the regression losses against PyTorch (ops_losses.json), gradchecks,
// errors, and a 20-step training trajectory with CrossEntropyLoss and SGD.
#include <algorithm>
#include <functional>

#include "support/fixtures.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;
using Inputs = std::vector<Tensor>;

TEST_CASE("cross_entropy/nll_loss: every case matches PyTorch (weight, ignore_index, label_smoothing, ±1000)") {
  for (const Json& c : fixture_cases("ops_losses.json", "class_losses")) {
    std::string name = c.at("loss_fn").get<std::string>() + ": " + c.at("name").get<std::string>() + " (" +
                       c.at("reduction").get<std::string>() + ")";
    CAPTURE(name);
    ClassLossOptions options;
    options.reduction = reduction_from_string(c.at("reduction"));
    if (!c.at("weight").is_null()) options.weight = to_tensor(c.at("weight"));
    options.ignore_index = c.at("ignore_index");
    options.label_smoothing = c.at("label_smoothing");
    Tensor x = to_tensor(c.at("input"), true);
    Tensor target = to_tensor(c.at("target"));
    Tensor loss =
        c.at("loss_fn") == "cross_entropy" ? CrossEntropyLoss(options)(x, target) : NLLLoss(options)(x, target);
    CHECK_ALL_CLOSE(loss.value(), to_array(c.at("loss")));
    loss.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
  }
}

TEST_CASE("regression losses: every case matches PyTorch, gradients to input and target") {
  for (const Json& c : fixture_cases("ops_losses.json", "regression_losses")) {
    std::string name = c.at("name").get<std::string>() + " " + c.at("params").dump() + " (" +
                       c.at("reduction").get<std::string>() + ")";
    CAPTURE(name);
    Reduction r = reduction_from_string(c.at("reduction"));
    Tensor x = to_tensor(c.at("input"), true), y = to_tensor(c.at("target"), true);
    const Json& p = c.at("params");
    Tensor loss;
    if (c.at("name") == "mse_loss") loss = MSELoss(r)(x, y);
    if (c.at("name") == "l1_loss") loss = L1Loss(r)(x, y);
    if (c.at("name") == "smooth_l1_loss") loss = SmoothL1Loss(r, p.at("beta"))(x, y);
    if (c.at("name") == "huber_loss") loss = HuberLoss(r, p.at("delta"))(x, y);
    CHECK_ALL_CLOSE(loss.value(), to_array(c.at("loss")));
    loss.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    CHECK_ALL_CLOSE(y.grad(), to_array(c.at("grad_target")));
  }
}

TEST_CASE("losses: gradcheck of cross_entropy, nll_loss and the regression losses in every reduction") {
  Generator gen(31);
  Tensor labels = tensor({2, 0, 1, 2});
  Tensor probs = softmax(rand({4, 3}, gen, -2.0f, 2.0f), 1);
  Tensor labels3 = tensor({{0, 2}, {1, -100}});  // [N, d1] for input [2, 3, 2]
  Tensor target = rand({4, 3}, gen, -2.0f, 2.0f);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    CAPTURE(to_string(r));
    ClassLossOptions o;
    o.reduction = r;
    o.weight = tensor({0.5f, 2.0f, 1.0f});
    o.label_smoothing = 0.2;
    Inputs logits{rand({4, 3}, gen, -3.0f, 3.0f, true)};
    CHECK_GRADCHECK([&](const Inputs& v) { return cross_entropy(v[0], labels, o); }, logits);
    CHECK_GRADCHECK([&](const Inputs& v) { return cross_entropy(v[0], probs, o); }, logits);
    ClassLossOptions rows = o;  // no smoothing: cross_entropy's one-pass [N, C] path
    rows.label_smoothing = 0.0;
    Tensor some_ignored = tensor({2, -100, 1, 2});
    CHECK_GRADCHECK([&](const Inputs& v) { return cross_entropy(v[0], labels, rows); }, logits);
    CHECK_GRADCHECK([&](const Inputs& v) { return cross_entropy(v[0], some_ignored, rows); }, logits);
    CHECK_GRADCHECK([&](const Inputs& v) { return cross_entropy(v[0], some_ignored, {r}); }, logits);
    CHECK_GRADCHECK([&](const Inputs& v) { return nll_loss(v[0], labels, {r, o.weight}); }, logits);
    Inputs spatial{rand({2, 3, 2}, gen, -3.0f, 3.0f, true)};
    CHECK_GRADCHECK([&](const Inputs& v) { return cross_entropy(v[0], labels3, o); }, spatial);
    // Away from the kinks at |d| = 0, β and δ.
    Inputs x{target + rand({4, 3}, gen, 0.1f, 0.4f) * tensor({1.0f, -4.0f, 9.0f})};
    x[0] = x[0].detach().requires_grad_();
    CHECK_GRADCHECK([&](const Inputs& v) { return mse_loss(v[0], target, r); }, x);
    CHECK_GRADCHECK([&](const Inputs& v) { return l1_loss(v[0], target, r); }, x);
    CHECK_GRADCHECK([&](const Inputs& v) { return smooth_l1_loss(v[0], target, r, 1.0); }, x);
    CHECK_GRADCHECK([&](const Inputs& v) { return huber_loss(v[0], target, r, 2.0); }, x);
  }
}

TEST_CASE("cross_entropy: closed forms, and NaN when all targets are ignored (as PyTorch)") {
  // Uniform logits: −log(1/C) whatever the label.
  CHECK(cross_entropy(zeros({2, 4}), tensor({1, 3})).item() == doctest::Approx(std::log(4.0)));
  // Label smoothing with uniform logits changes nothing: every class costs log C.
  CHECK(cross_entropy(zeros({2, 4}), tensor({1, 3}), {Reduction::Mean, std::nullopt, -100, 0.5}).item() ==
        doctest::Approx(std::log(4.0)));
  CHECK(std::isnan(cross_entropy(zeros({2, 4}), tensor({-100, -100})).item()));
}

TEST_CASE("cross_entropy/nll_loss: a mean over nothing is NaN with a zero gradient, and probabilities multiply −inf") {
  // Expected: torch 1.13. F.cross_entropy(x, [-100, -100]) on x = [[1, 2, 3], [0, 1, 2]], with and
  // without label_smoothing=0.1, F.nll_loss the same, and F.cross_entropy on [2, 3, 2] zeros with
  // [2, 2] targets of -100: loss nan, x.grad all 0. On an empty [0, 3] input: mean nan (index and
  // probability targets, nll_loss too), sum 0.
  auto check_nan_zero_grad = [](const char* what, const std::function<Tensor(const Tensor&)>& loss, Shape shape,
                                const std::vector<float>& values) {
    CAPTURE(what);
    Array a = Array::from_shape(shape);
    std::copy(values.begin(), values.end(), a.begin());
    Tensor x(std::move(a), true);
    Tensor l = loss(x);
    CHECK(std::isnan(l.item()));
    l.backward();
    for (float g : x.grad()) CHECK(g == 0.0f);
  };
  const std::vector<float> v = {1, 2, 3, 0, 1, 2};
  Tensor ignored = tensor({-100, -100});
  check_nan_zero_grad(
      "cross_entropy", [&](const Tensor& x) { return cross_entropy(x, ignored); }, {2, 3}, v);
  check_nan_zero_grad(
      "cross_entropy, label_smoothing",
      [&](const Tensor& x) {
        return cross_entropy(x, ignored, {Reduction::Mean, std::nullopt, -100, 0.1});
      },
      {2, 3}, v);
  check_nan_zero_grad(
      "nll_loss", [&](const Tensor& x) { return nll_loss(x, ignored); }, {2, 3}, v);
  check_nan_zero_grad(
      "cross_entropy [N, C, d]",
      [](const Tensor& x) {
        return cross_entropy(x, full({2, 2}, -100));
      },
      {2, 3, 2}, std::vector<float>(12, 0.0f));
  CHECK(std::isnan(cross_entropy(zeros({0, 3}), zeros({0})).item()));
  CHECK(std::isnan(cross_entropy(zeros({0, 3}), zeros({0, 3})).item()));
  CHECK(std::isnan(nll_loss(zeros({0, 3}), zeros({0})).item()));
  CHECK(cross_entropy(zeros({0, 3}), zeros({0}), {Reduction::Sum}).item() == 0.0f);

  // F.cross_entropy([[0, -inf, 1]], probabilities [[.5, 0, .5]]): nan (0·−inf), gradient
  // [-0.23105856776237488, 0, 0.23105859756469727]; with the class index 2 instead:
  // 0.31326165795326233 (only the target's log-probability is taken).
  Tensor x = tensor({{0.0f, -INFINITY, 1.0f}}, true);
  Tensor soft = cross_entropy(x, tensor({{0.5f, 0.0f, 0.5f}}));
  CHECK(std::isnan(soft.item()));
  soft.backward();
  CHECK(x.grad()(0, 0) == doctest::Approx(-0.23105856776237488).epsilon(1e-6));
  CHECK(x.grad()(0, 1) == 0.0f);
  CHECK(x.grad()(0, 2) == doctest::Approx(0.23105859756469727).epsilon(1e-6));
  CHECK(cross_entropy(x, tensor({2})).item() == doctest::Approx(0.31326165795326233).epsilon(1e-6));
  // PyTorch: "ignore_index is not supported for floating point target".
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({1, 3}), tensor({{0.2f, 0.3f, 0.5f}}), {Reduction::Mean, std::nullopt, 1}),
                       "cross_entropy: ignore_index is not supported for probability targets (got 1)",
                       std::invalid_argument);
}

TEST_CASE("regression losses: NaN differences give NaN gradients, as PyTorch's (l1_loss: 0, its sign)") {
  // Expected: torch 1.13, F.<loss>(x, y, reduction='sum').backward() with x = [inf, nan, 3, 0.5]
  // and y = [inf, 0, 1, 0]: x.grad = huber/smooth_l1 [nan, nan, 1, 0.5], mse [nan, nan, 4, 1],
  // l1 [0, 0, 1, 1].
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&)> loss;
    std::vector<float> grad;
  };
  const std::vector<Case> cases = {
      {"huber_loss",
       [](const Tensor& x, const Tensor& y) { return huber_loss(x, y, Reduction::Sum); },
       {NAN, NAN, 1, 0.5f}},
      {"smooth_l1_loss",
       [](const Tensor& x, const Tensor& y) { return smooth_l1_loss(x, y, Reduction::Sum); },
       {NAN, NAN, 1, 0.5f}},
      {"mse_loss", [](const Tensor& x, const Tensor& y) { return mse_loss(x, y, Reduction::Sum); }, {NAN, NAN, 4, 1}},
      {"l1_loss", [](const Tensor& x, const Tensor& y) { return l1_loss(x, y, Reduction::Sum); }, {0, 0, 1, 1}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Tensor x = tensor({INFINITY, NAN, 3.0f, 0.5f}, true);
    Tensor l = c.loss(x, tensor({INFINITY, 0.0f, 1.0f, 0.0f}));
    CHECK(std::isnan(l.item()));
    l.backward();
    for (std::size_t i = 0; i < 4; ++i) {
      CAPTURE(i);
      if (std::isnan(c.grad[i])) CHECK(std::isnan(x.grad()(i)));
      else CHECK(x.grad()(i) == c.grad[i]);
    }
  }
}

TEST_CASE("cross_entropy/nll_loss: an input [C] is one sample, as PyTorch's unbatched form") {
  // Expected: torch 1.13. F.cross_entropy([1, 2, 3], tensor(0), reduction='none'): a 0-d
  // 2.4076058864593506, grad [-0.9099694490432739, 0.24472849071025848, 0.665241003036499];
  // F.cross_entropy([1, 2, 3], [.2, .3, .5], label_smoothing=0.1): 1.137605905532837, grad
  // [-0.12330274283885956, -0.058604851365089417, 0.18190768361091614]; F.nll_loss([-1, -2, -3],
  // tensor(2), weight=[1, 1, 2]): 3, grad [0, 0, -1].
  Tensor index = full({}, 0.0f);
  Tensor x = tensor({1.0f, 2.0f, 3.0f}, true);
  Tensor l = cross_entropy(x, index, {Reduction::None});
  CHECK(l.shape() == Shape{});
  CHECK(l.item() == doctest::Approx(2.4076058864593506).epsilon(1e-6));
  l.backward();
  CHECK_ALL_CLOSE(x.grad(), Array{-0.9099694490432739f, 0.24472849071025848f, 0.665241003036499f});

  Tensor y = tensor({1.0f, 2.0f, 3.0f}, true);
  Tensor soft = cross_entropy(y, tensor({0.2f, 0.3f, 0.5f}), {Reduction::Mean, std::nullopt, -100, 0.1});
  CHECK(soft.item() == doctest::Approx(1.137605905532837).epsilon(1e-6));
  soft.backward();
  CHECK_ALL_CLOSE(y.grad(), Array{-0.12330274283885956f, -0.058604851365089417f, 0.18190768361091614f});

  Tensor z = tensor({-1.0f, -2.0f, -3.0f}, true);
  Tensor nll = nll_loss(z, full({}, 2.0f), {Reduction::Mean, tensor({1.0f, 1.0f, 2.0f})});
  CHECK(nll.item() == 3.0f);
  nll.backward();
  CHECK_ALL_CLOSE(z.grad(), Array{0.0f, 0.0f, -1.0f});

  // PyTorch: "size mismatch (got input: [3], target: [1])".
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({3}), tensor({0})),
                       "cross_entropy: an input of shape [3] (one sample) takes a 0-d class index or probabilities "
                       "of its shape, got a target of shape [1]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      nll_loss(zeros({3}), zeros({3})),
      "nll_loss: an input of shape [3] (one sample) takes a 0-d class index, got a target of shape [3]",
      std::invalid_argument);
}

TEST_CASE("losses: bad targets and options name the op and what they got") {
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 3}), tensor({0, 3})),
                       "cross_entropy: target 3 is out of range for a dimension of size 3", std::invalid_argument);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 3}), tensor({0, 1.5f})),
                       "cross_entropy: target must hold whole numbers, got 1.5", std::invalid_argument);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 3}), zeros({3})),
                       "cross_entropy: expected class indices of shape [2] (or probabilities of the input's shape), "
                       "got [3]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nll_loss(zeros({2, 3}), tensor({0, 1}), {Reduction::Mean, ones({2})}),
                       "nll_loss: weight must have shape [3] (one per class), got [2]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(mse_loss(zeros({4, 1}), zeros({4})), "mse_loss: target shape [4] must equal input shape [4, 1]",
                       std::invalid_argument);
  CHECK_THROWS_AS(cross_entropy(zeros({}), full({}, 0.0f)), std::invalid_argument);
}

TEST_CASE("CrossEntropyLoss: a 20-step SGD trajectory of a small MLP matches PyTorch to 1e-4") {
  const Json& f = load_fixture("ops_losses.json").at("trajectory");
  Sequential model{std::make_shared<Linear>(4, 8), std::make_shared<Tanh>(), std::make_shared<Linear>(8, 3)};
  load_parameters(model, f.at("params"));
  ClassLossOptions options;
  options.weight = tensor({1.0f, 0.5f, 2.0f});
  options.label_smoothing = f.at("label_smoothing");
  CrossEntropyLoss loss_fn(options);
  Tensor x = to_tensor(f.at("input")), y = to_tensor(f.at("target"));
  SGD optimizer(model.parameters(), f.at("lr").get<double>());
  const Json& losses = f.at("losses");
  for (std::size_t step = 0; step < losses.size(); ++step) {
    optimizer.zero_grad();
    Tensor loss = loss_fn(model(x), y);
    loss.backward();
    optimizer.step();
    CAPTURE(step);
    CHECK(loss.item() == doctest::Approx(losses[step].get<double>()).epsilon(1e-4));
  }
  for (auto& [name, p] : model.named_parameters()) {
    CAPTURE_BINDING(name);
    CHECK_ALL_CLOSE(p.value(), to_array(f.at("final_params").at(name)), 1e-4, 1e-5);
  }
}
