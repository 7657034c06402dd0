// A user's own module (two levels of nesting, buffers) saved, rebuilt by load_model and used
// by predict exactly as the original.
#include "predict.hpp"
#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "support/user_modules.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

TEST_CASE("user module: saves with its buffers, rebuilds with load_model and predicts identically") {
  TempDir dir;
  Outer net(3, 4);
  net.block->scale.mutable_value() = Array{0.5f, 1.5f, 2.0f, 3.0f};
  net.offset.mutable_value().fill(-0.75f);
  save_weights(net, dir.file("outer.json"), {{"note", "user module"}});
  Json file = read_json_file(dir.file("outer.json"));
  CHECK(file["version"] == 2);
  CHECK(file["model"] == Json{{"type", "TestOuter"}, {"features", 3}, {"hidden", 4}});
  CHECK(file["parameters"].contains("block.scale"));
  CHECK_FALSE(file["parameters"].contains("block.calls"));  // not persistent

  // The type is not registered yet (in this process it may be from another test: use a fresh name).
  Json renamed = file;
  renamed["model"]["type"] = "TestOuterUnregistered";
  CHECK_THROWS_WITH_AS(load_model_json(renamed, "outer.json"),
                       doctest::Contains("outer.json: model: unknown module type 'TestOuterUnregistered'"),
                       std::invalid_argument);

  register_user_modules();
  LoadedModel loaded = load_model(dir.file("outer.json"));
  REQUIRE(loaded.module->type_name() == "TestOuter");
  auto* rebuilt = static_cast<Outer*>(loaded.module.get());
  CHECK(rebuilt->block->scale.value() == net.block->scale.value());
  CHECK(rebuilt->offset.value() == net.offset.value());
  Tensor x = randn({6, 3});
  CHECK((*loaded.module)(x).value() == net(x).value());
  Array rows = randn({5, 3}).value();
  Array expected = sigmoid(net(Tensor(rows))).value();
  expected.reshape({5});
  CHECK(predict_proba(loaded, rows) == expected);
  CHECK_THROWS_WITH_AS(predict_proba(loaded, randn({5, 2}).value()),
                       "predict: the model takes 3 features per row, got 2", std::invalid_argument);
}

TEST_CASE("weights: version-1 files written before buffers existed still load") {
  TempDir dir;
  Generator gen(4);
  Sequential mlp{std::make_shared<Linear>(2, 3, true, gen), std::make_shared<ReLU>(),
                 std::make_shared<Linear>(3, 1, true, gen)};
  Json v1 = weights_to_json(mlp);
  v1["version"] = 1;
  LoadedModel loaded = load_model_json(v1, "v1.json");
  Tensor x = randn({4, 2}, gen);
  CHECK((*loaded.module)(x).value() == mlp(x).value());
}

TEST_CASE("weights: every built-in type round-trips through the file and load_model") {
  TempDir dir;
  Generator gen(11);
  std::vector<std::pair<std::shared_ptr<Module>, Shape>> cases{
      {std::make_shared<Linear>(LinearOptions(3, 2).bias(false), gen), {4, 3}},
      {std::make_shared<ReLU>(), {2, 3}},
      {std::make_shared<Tanh>(), {2, 3}},
      {std::make_shared<Sigmoid>(), {2, 3}},
      {std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
           std::make_shared<Linear>(3, 4, true, gen), std::make_shared<Tanh>()}),
       {2, 3}},
      {std::make_shared<LSTMCell>(LSTMCellOptions(3, 4), gen), {2, 3}},
      {std::make_shared<LSTM>(LSTMOptions(3, 4).num_layers(2).batch_first(true).bias(false), gen), {2, 5, 3}},
      {std::make_shared<LSTMClassifier>(3, 4, 2, gen), {2, 5, 3}},
      {std::make_shared<GRUCell>(GRUCellOptions(3, 4), gen), {2, 3}},
      {std::make_shared<GRU>(GRUOptions(3, 4).num_layers(2).batch_first(true), gen), {2, 5, 3}},
      {std::make_shared<GRU>(GRUOptions(3, 4).bias(false), gen), {5, 2, 3}},
  };
  for (auto& [module, input_shape] : cases) {
    const std::string type = module->type_name();
    CAPTURE(type);
    std::string path = dir.file(type + ".json");
    save_weights(*module, path);
    LoadedModel loaded = load_model(path);
    CHECK(loaded.module->repr() == module->repr());
    auto a = module->state_dict(), b = loaded.module->state_dict();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].first == b[i].first);
      CHECK(a[i].second.value() == b[i].second.value());
    }
    Tensor x = randn(input_shape, gen);
    CHECK((*loaded.module)(x).value() == (*module)(x).value());
  }
}
