// LayerNorm and BatchNorm1d: PyTorch fixtures (BatchNorm over four training steps then eval, with
// its running statistics), gradchecks of the fused ops, options and errors.
#include <cmath>

#include "layers/layer_fixtures.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

TEST_CASE("layer_norm: forward, input and parameter gradients match PyTorch") {
  for (const Json& c : layer_cases("layer_norm")) {
    std::string config = c.at("module").dump();
    CAPTURE(config);
    auto ln = build_case_module(c);
    load_state(*ln, c.at("params"));
    Tensor x = to_tensor(c.at("input"), true);
    Tensor y = (*ln)(x);
    CHECK_ALL_CLOSE(y.value(), to_array(c.at("output")));
    y.backward(to_array(c.at("upstream")));
    CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
    check_parameter_grads(*ln, c.at("grads"));
    CHECK(to_json(describe(*ln)) == c.at("module"));
  }
}

TEST_CASE("layer_norm: gradcheck with and without the affine parameters") {
  Generator gen(3);
  Tensor x = randn({4, 2, 3}, gen, true), w = rand({2, 3}, gen, 0.5f, 1.5f, true), b = randn({2, 3}, gen, true);
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& in) {
        return layer_norm(in[0], {2, 3}, in[1], in[2], 1e-5);
      },
      std::vector<Tensor>{x, w, b});
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& in) { return layer_norm(in[0], {3}, std::nullopt, std::nullopt, 1e-3); },
      std::vector<Tensor>{x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return layer_norm(in[0], {3}, in[1], std::nullopt); },
                  std::vector<Tensor>{x, rand({3}, gen, 0.5f, 1.5f, true)});
}

TEST_CASE("batch_norm: four training steps then eval match PyTorch, running statistics included") {
  for (const Json& c : layer_cases("batch_norm")) {
    std::string config = c.at("module").dump();
    CAPTURE(config);
    auto bn = build_case_module(c);
    load_state(*bn, c.at("params"));
    int step = 0;
    for (const Json& s : c.at("steps")) {
      CAPTURE(step++);
      bn->train(s.at("training").get<bool>());
      bn->zero_grad();
      Tensor x = to_tensor(s.at("input"), true);
      Tensor y = (*bn)(x);
      CHECK_ALL_CLOSE(y.value(), to_array(s.at("output")));
      y.backward(to_array(s.at("upstream")));
      CHECK_ALL_CLOSE(x.grad(), to_array(s.at("grad_input")));
      check_parameter_grads(*bn, s.at("grads"));
      auto state = bn->state_dict();
      REQUIRE(state.size() == s.at("state").size());
      for (const auto& [name, t] : state) {
        CAPTURE_BINDING(name);
        CHECK_ALL_CLOSE(t.value(), to_array(s.at("state").at(name)));
      }
    }
    CHECK(to_json(describe(*bn)) == c.at("module"));
  }
}

TEST_CASE("batch_norm: gradcheck in training ([N, C] and [N, C, L]) and with running statistics") {
  Generator gen(4);
  Tensor w = rand({3}, gen, 0.5f, 1.5f, true), b = randn({3}, gen, true);
  for (Shape shape : {Shape{5, 3}, Shape{4, 3, 2}}) {
    CAPTURE(shape_str(shape));
    Tensor x = randn(shape, gen, true);
    CHECK_GRADCHECK(
        [](const std::vector<Tensor>& in) { return batch_norm(in[0], std::nullopt, std::nullopt, in[1], in[2], true); },
        std::vector<Tensor>{x, w, b});
    Tensor mean = randn({3}, gen), var = rand({3}, gen, 0.5f, 2.0f);
    CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return batch_norm(in[0], mean, var, in[1], in[2], false); },
                    std::vector<Tensor>{x, w, b});
  }
}

TEST_CASE("batch_norm: cumulative average without momentum, and eval without running statistics") {
  // With momentum None the running mean is the plain average of the batch means (closed form).
  BatchNorm1d bn(BatchNormOptions(1).momentum(std::nullopt).affine(false));
  NoGrad no_grad;
  bn(tensor({1.0f, 3.0f}, {2, 1}));  // mean 2, unbiased var 2
  bn(tensor({5.0f, 9.0f}, {2, 1}));  // mean 7, unbiased var 8
  CHECK(bn.running_mean.item() == doctest::Approx(4.5));
  CHECK(bn.running_var.item() == doctest::Approx(5.0));
  CHECK(bn.num_batches_tracked.item() == 2.0f);
  bn.eval();
  CHECK(bn(tensor({4.5f}, {1, 1})).item() == doctest::Approx(0.0).epsilon(1e-6));  // running statistics in eval
  CHECK(bn.num_batches_tracked.item() == 2.0f);

  BatchNorm1d untracked(BatchNormOptions(1).track_running_stats(false).affine(false));
  untracked.eval();  // no running statistics: the batch's own, even in eval (as PyTorch)
  Array y = untracked(tensor({1.0f, 3.0f}, {2, 1})).value();
  CHECK(y(0) == doctest::Approx(-1.0).epsilon(1e-4));
  CHECK(untracked.state_dict().empty());
}

TEST_CASE("batch_norm: running statistics loaded from a file that would give inf or NaN are refused") {
  BatchNorm1d bn(BatchNormOptions(2).momentum(std::nullopt));
  Tensor x = tensor({1.0f, 2.0f, 3.0f, 5.0f}, {2, 2});
  bn.num_batches_tracked.mutable_value() = Array(-1.0f);  // the cumulative factor would be 1/0
  CHECK_THROWS_WITH_AS(bn(x), "BatchNorm1d: num_batches_tracked must be a whole number from 0 to 2^24, got -1.000000",
                       std::invalid_argument);
  bn.num_batches_tracked.mutable_value() = Array(2.5f);
  CHECK_THROWS_WITH_AS(bn(x), doctest::Contains("must be a whole number"), std::invalid_argument);
  bn.num_batches_tracked.mutable_value() = Array(0.0f);
  bn.eval();
  bn.running_var.mutable_value() = Array{1.0f, -0.5f};
  CHECK_THROWS_WITH_AS(bn(x), doctest::Contains("running_var[1] = -0.500000"), std::invalid_argument);
  bn.running_var.mutable_value() = Array{1.0f, 1.0f};
  bn.running_mean.mutable_value() = Array{std::nanf(""), 0.0f};
  CHECK_THROWS_WITH_AS(bn(x), doctest::Contains("running_mean[0] = nan"), std::invalid_argument);
  bn.running_mean.mutable_value() = Array{0.0f, 0.0f};
  CHECK(bn(x).value()(1, 1) == doctest::Approx(5.0 / std::sqrt(1.0 + 1e-5)));
}

TEST_CASE("normalisation: bad shapes and options are refused, naming them") {
  BatchNorm1d bn(BatchNormOptions(3));
  CHECK_THROWS_WITH_AS(bn(zeros({2, 4})),
                       "BatchNorm1d: expected input [N, 3] or [N, 3, L] (num_features=3), got [2, 4]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(bn(zeros({1, 3})), doctest::Contains("expected more than 1 value per channel when training"),
                       std::invalid_argument);
  CHECK(bn.num_batches_tracked.item() == 0.0f);  // a refused batch is not counted
  CHECK_THROWS_WITH_AS(BatchNorm1d(BatchNormOptions(0)), doctest::Contains("num_features must be from 1"),
                       std::invalid_argument);
  LayerNorm ln(LayerNormOptions({4}));
  CHECK_THROWS_WITH_AS(ln(zeros({4, 3})), "layer_norm: input of shape [4, 3] does not end in normalized_shape [4]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(LayerNorm(LayerNormOptions({})), doctest::Contains("normalized_shape"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(LayerNorm(LayerNormOptions({2}).eps(-1)),
                       doctest::Contains("eps must be finite and non-negative"), std::invalid_argument);
  CHECK(LayerNorm(LayerNormOptions({4}).elementwise_affine(false)).named_parameters().empty());
  CHECK(LayerNorm(LayerNormOptions({4}).bias(false)).named_parameters().size() == 1);
  auto names = [](const NamedTensors& t) {
    std::vector<std::string> out;
    for (const auto& [n, v] : t) out.push_back(n);
    return out;
  };
  CHECK(names(bn.state_dict()) ==
        std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
}
