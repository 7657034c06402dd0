// Parameter groups and options: trajectories and state dicts against PyTorch, the defaults
// rules, and state_dict round trips (bit-identical resume; corrupt state refused, nothing changed).
#include <cstring>
#include <limits>

#include "optim/optim_helpers.hpp"
#include "support/errors.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

using Net = std::shared_ptr<Sequential>;

Net make_net() {
  Net net = std::make_shared<Sequential>(
      std::initializer_list<std::shared_ptr<Module>>{std::make_shared<Linear>(2, 8), std::make_shared<Tanh>(),
                                                     std::make_shared<Linear>(8, 1)});
  load_parameters(*net, load_fixture("optim.json").at("params"));
  return net;
}

std::vector<Tensor> named(Module& net, const Json& names) {
  std::vector<Tensor> out;
  for (const auto& [name, p] : net.named_parameters())
    for (const Json& n : names)
      if (n.get<std::string>() == name) out.push_back(p);
  return out;
}

// Weights in group 0 with the defaults, biases in group 1 with their own options.
std::unique_ptr<Optimizer> make_grouped(const Json& c, Module& net) {
  std::string kind = c.at("optimizer");
  std::vector<Tensor> weights = named(net, c.at("groups")[0]), biases = named(net, c.at("groups")[1]);
  if (kind == "SGD")
    return std::make_unique<SGD>(std::vector<ParamGroup>{ParamGroup{weights},
                                                         ParamGroup{biases, sgd_options(c.at("bias_options"))}},
                                 sgd_options(c.at("defaults")));
  std::vector<ParamGroup> groups{ParamGroup{weights}, ParamGroup{biases, adam_options(c.at("bias_options"))}};
  if (kind == "Adam") return std::make_unique<Adam>(groups, adam_options(c.at("defaults")));
  return std::make_unique<AdamW>(groups, adam_options(c.at("defaults")));
}

float train_step(Module& net, Optimizer& optimizer) {
  const Json& f = load_fixture("optim.json");
  static const Tensor x = to_tensor(f.at("input")), y = to_tensor(f.at("target"));
  optimizer.zero_grad();
  Tensor loss = binary_cross_entropy_with_logits(net(x), y);
  loss.backward();
  optimizer.step();
  return loss.item();
}

}  // namespace

TEST_CASE("parameter groups: 20-step trajectories and state dicts match PyTorch") {
  for (const Json& c : fixture_cases("optim.json", "param_groups")) {
    std::string what =
        c.at("optimizer").get<std::string>() + " " + c.at("defaults").dump() + " biases " + c.at("bias_options").dump();
    CAPTURE(what);
    Net net = make_net();
    auto optimizer = make_grouped(c, *net);
    for (std::size_t step = 0; step < 20; ++step) {
      CHECK(train_step(*net, *optimizer) == doctest::Approx(c.at("losses")[step].get<double>()).epsilon(1e-5));
      if (step == 2) {
        std::string why;
        CHECK_MESSAGE(same_as_torch(optimizer->state_dict(), c.at("state_dict_after_3"), "", why), why);
      }
    }
    for (auto& [name, p] : net->named_parameters()) {
      CAPTURE_BINDING(name);
      CHECK_ALL_CLOSE(p.value(), to_array(c.at("final_params").at(name)), 1e-5, 1e-6);
    }
  }
}

TEST_CASE("options: chained setters, getters, and a group's unset options from the defaults") {
  AdamOptions a = AdamOptions(1e-3).betas({0.8, 0.99}).weight_decay(0);
  CHECK(a.lr() == 1e-3);
  CHECK(a.betas()[0] == 0.8);
  CHECK(a.is_set("weight_decay"));
  CHECK_FALSE(a.is_set("eps"));
  CHECK(
      to_string(a.to_value()) ==
      R"({"lr": 0.001, "betas": [0.80000000000000004, 0.98999999999999999], "eps": 1e-08, "weight_decay": 0, "amsgrad": false})");
  CHECK(to_string(a.set_values()) ==
        R"({"lr": 0.001, "betas": [0.80000000000000004, 0.98999999999999999], "weight_decay": 0})");

  Tensor w = zeros({2, 2}, true), b = zeros({2}, true), c = zeros({3}, true);
  AdamW adamw({ParamGroup{{w}}, ParamGroup{{b}, AdamOptions().weight_decay(0)}}, AdamOptions(0.01).betas({0.8, 0.9}));
  const auto& g0 = static_cast<const AdamOptions&>(adamw.param_groups()[0].options());
  const auto& g1 = static_cast<const AdamOptions&>(adamw.param_groups()[1].options());
  CHECK(g0.weight_decay() == 1e-2);  // AdamW's default
  CHECK(g1.weight_decay() == 0.0);
  CHECK(g1.lr() == 0.01);  // from the defaults
  CHECK(g1.betas()[1] == 0.9);
  CHECK(adamw.type_name() == std::string("AdamW"));
  CHECK(adamw.params().size() == 2);

  adamw.add_param_group(ParamGroup{{c}, AdamOptions(0.5)});
  CHECK(adamw.param_groups().size() == 3);
  CHECK(adamw.param_groups()[2].options().lr() == 0.5);
  CHECK(adamw.state().size() == 3);
  CHECK_THROWS_WITH_AS(adamw.add_param_group(ParamGroup{{c}}),
                       "AdamW: some parameters appear in more than one parameter group", std::invalid_argument);

  // SGD's lr is required: in the defaults or in every group.
  SGD sgd({ParamGroup{{w}, SGDOptions(0.1)}, ParamGroup{{b}, SGDOptions(0.2).momentum(0.5)}},
          SGDOptions().momentum(0.9));
  CHECK(static_cast<const SGDOptions&>(sgd.param_groups()[0].options()).momentum() == 0.9);
  CHECK(static_cast<const SGDOptions&>(sgd.param_groups()[1].options()).momentum() == 0.5);
  CHECK_THROWS_WITH_AS(SGD({ParamGroup{{w}}}, SGDOptions()),
                       "SGD: parameter group didn't specify a value of required optimization parameter lr",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Adam({ParamGroup{{w}}, ParamGroup{{w}}}),
                       "Adam: some parameters appear in more than one parameter group", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Adam({ParamGroup{{w}, SGDOptions(0.1)}}),
                       "Adam: parameter group 0 has options of another optimizer", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Adam({ParamGroup{{w}, AdamOptions().eps(-1).betas({1.5, 0.9})}}),
                       "Adam: invalid epsilon value: -1; invalid beta parameter at index 0: 1.5",
                       std::invalid_argument);
}

TEST_CASE("options: from_value reads PyTorch's param_group keys and lists every problem") {
  AdamOptions a;
  Value group = a.to_value();
  group["params"] = Value::list();
  group["maximize"] = false;  // PyTorch's flags, when off, are accepted
  group["foreach"] = Value();
  group["lr"] = 0.25;
  a.from_value(group);
  CHECK(a.lr() == 0.25);
  group["maximize"] = true;
  group["eps"] = "small";
  group["momentum"] = 0.9;
  AdamOptions before = a;
  std::string error = error_of([&] { a.from_value(group); });
  CHECK(contains(error, "eps: expected a finite number, got a string \"small\""));
  CHECK(contains(error, "maximize: PyTorch's maximize = true is not supported"));
  CHECK(contains(error, "momentum: unexpected key"));
  CHECK(a.to_value() == before.to_value());
}

TEST_CASE("state_dict: a restored optimizer continues bit-identically (SGD, Adam, AdamW with groups)") {
  for (const Json& c : fixture_cases("optim.json", "param_groups")) {
    CAPTURE(c.at("optimizer").get<std::string>());
    Net straight = make_net();
    auto opt = make_grouped(c, *straight);
    Value saved;
    std::vector<Array> weights;
    for (int step = 0; step < 20; ++step) {
      if (step == 10) {
        saved = opt->state_dict();
        for (auto& p : straight->parameters()) weights.push_back(p.value());
      }
      train_step(*straight, *opt);
    }
    Net resumed = make_net();
    auto other = make_grouped(c, *resumed);
    train_step(*resumed, *other);  // state that the load must replace
    auto params = resumed->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].mutable_value() = weights[i];
    other->load_state_dict(saved);
    CHECK(other->state_dict() == saved);
    for (int step = 10; step < 20; ++step) train_step(*resumed, *other);
    auto a = straight->parameters(), b = resumed->parameters();
    for (std::size_t i = 0; i < a.size(); ++i)
      CHECK(std::memcmp(a[i].value().data(), b[i].value().data(), a[i].numel() * sizeof(float)) == 0);
  }
}

TEST_CASE("state_dict: corrupt optimizer state is refused with every problem named, and changes nothing") {
  const Json& c = fixture_cases("optim.json", "param_groups")[2];  // Adam, amsgrad in group 1
  Net net = make_net();
  auto opt = make_grouped(c, *net);
  for (int i = 0; i < 3; ++i) train_step(*net, *opt);
  const Value good = opt->state_dict();
  auto corrupt = [&](auto mutate, std::vector<std::string> expected) {
    Value sd = good;
    mutate(sd);
    std::string error = error_of([&] { opt->load_state_dict(sd); });
    CAPTURE(error);
    CHECK(error.rfind("Adam.load_state_dict: ", 0) == 0);
    for (const std::string& e : expected) CHECK(contains(error, e));
    CHECK(opt->state_dict() == good);
  };
  auto group = [](Value& sd, std::size_t i) -> Value& { return sd["param_groups"].as_list()[i]; };
  auto state = [](Value& sd, const char* k) -> Value& { return sd["state"][k]; };
  corrupt([](Value& sd) { erase_key(sd, "param_groups"); }, {"param_groups: missing"});
  corrupt([](Value& sd) { sd = Value(3); }, {"expected an object with \"state\" and \"param_groups\", got an integer"});
  corrupt([&](Value& sd) { sd["param_groups"].as_list().pop_back(); },
          {"loaded state dict has a different number of parameter groups (1; the optimizer has 2)"});
  corrupt([&](Value& sd) { group(sd, 1)["params"].as_list().pop_back(); },
          {"doesn't match the size of optimizer's group (1 parameters; the group has 2)"});
  corrupt(
      [&](Value& sd) {
        state(sd, "0")["exp_avg"] = Value(Array(xt::zeros<float>({2, 2})));
      },
      {"state.0.exp_avg: expected shape [8, 2], got [2, 2]"});
  corrupt([&](Value& sd) { state(sd, "0")["step"] = "three"; },
          {"state.0.step: expected an integer, got a string \"three\""});
  corrupt([&](Value& sd) { state(sd, "1")["step"] = -1; },
          {"state.1.step: expected an integer from 0 to 9007199254740992, got -1"});
  // step() counts on from it: the largest int64 would overflow (fuzz_checkpoint found it).
  corrupt([&](Value& sd) { state(sd, "1")["step"] = std::numeric_limits<std::int64_t>::max(); },
          {"state.1.step: expected an integer from 0 to 9007199254740992, got 9223372036854775807"});
  corrupt([&](Value& sd) { erase_key(state(sd, "1"), "exp_avg_sq"); }, {"state.1.exp_avg_sq: missing"});
  corrupt([&](Value& sd) { erase_key(state(sd, "3"), "max_exp_avg_sq"); }, {"state.3.max_exp_avg_sq: missing"});
  corrupt(
      [&](Value& sd) {
        Array inf = xt::zeros<float>({8});
        inf(3) = INFINITY;
        state(sd, "2")["exp_avg"] = inf;
      },
      {"state.2.exp_avg: holds a non-finite value"});
  corrupt(
      [&](Value& sd) {
        Value copy = state(sd, "0");  // a copy first: inserting "99" may move the entry a reference points to
        sd["state"]["99"] = copy;
      },
      {"state.99: no parameter in \"param_groups\" has this index"});
  // Several problems at once, all listed.
  corrupt(
      [&](Value& sd) {
        group(sd, 0)["lr"] = -0.5;
        group(sd, 1)["betas"] = "fast";
        group(sd, 1)["capturable"] = true;
        state(sd, "1")["exp_avg"] = 1.0;
      },
      {"param_groups[0]: invalid learning rate: -0.5", "param_groups[1].betas: expected a list, got a string \"fast\"",
       "param_groups[1].capturable: PyTorch's capturable = true is not supported",
       "state.1.exp_avg: expected a tensor, got a number"});

  // SGD reads PyTorch's {"momentum_buffer": None} as no buffer.
  Tensor p = zeros({2}, true);
  SGD sgd({p}, 0.1, 0.9);
  Value sd = sgd.state_dict();
  sd["state"]["0"]["momentum_buffer"] = Value();
  sgd.load_state_dict(sd);
  CHECK_FALSE(sgd.has_momentum_buffer(0));
}

TEST_CASE("state_dict: a parameter of no values has max_exp_avg_sq exactly when amsgrad is on, as PyTorch's") {
  // A rank's empty part of a sharded parameter is such a parameter: its state must have the
  // same keys as the other ranks' parts.
  for (bool amsgrad : {false, true}) {
    CAPTURE(amsgrad);
    Tensor empty(Array::from_shape({0}), true), w = ones({2}, true);
    Adam opt(std::vector<Tensor>{empty, w}, AdamOptions(1e-2).amsgrad(amsgrad));
    (sum(empty) + sum(w * w)).backward();
    REQUIRE(empty.has_grad());
    opt.step();
    Value sd = opt.state_dict();
    CHECK(sd.at("state").at("0").contains("max_exp_avg_sq") == amsgrad);
    CHECK(sd.at("state").at("1").contains("max_exp_avg_sq") == amsgrad);
  }
}
