// Models trained in PyTorch (tests/fixtures/torch_*.json, written by tools/make_interop_fixtures.py)
// load in xtgrad with PyTorch's state_dict and give PyTorch's probabilities.
#include "predict.hpp"
#include "support/fixtures.hpp"
#include "support/testing.hpp"
#include "support/user_modules.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

// Loads the fixture and checks its metadata.check: PyTorch's probabilities for the check inputs.
LoadedModel load_and_check_probabilities(const std::string& name) {
  LoadedModel model = load_model(std::string(XTGRAD_SOURCE_DIR) + "/tests/fixtures/" + name);
  const Json& check = model.metadata.at("check");
  std::vector<std::vector<float>> rows = check.at("inputs").get<std::vector<std::vector<float>>>();
  REQUIRE(!rows.empty());
  Array inputs = Array::from_shape({rows.size(), rows[0].size()});
  for (std::size_t r = 0; r < rows.size(); ++r) std::copy(rows[r].begin(), rows[r].end(), &inputs(r, 0));
  Array expected = Array::from_shape({rows.size()});
  for (std::size_t r = 0; r < rows.size(); ++r) expected(r) = check.at("probabilities")[r].get<float>();
  CHECK_ALL_CLOSE(predict_proba(model, inputs), expected, 0.0, 1e-5);
  return model;
}

}  // namespace

TEST_CASE("interop: PyTorch-trained models (version-1 files) predict PyTorch's probabilities within 1e-5") {
  for (std::string name : {"torch_trained_mlp.json", "torch_trained_lstm.json"}) {
    CAPTURE(name);
    CHECK(load_fixture(name).at("version") == 1);
    load_and_check_probabilities(name);
  }
}

TEST_CASE("interop: a PyTorch module of the user's own, with buffers, loads with PyTorch's state_dict") {
  register_user_modules();
  const std::string name = "torch_user_module.json";
  LoadedModel model = load_and_check_probabilities(name);
  REQUIRE(model.module->type_name() == "TestOuter");
  // PyTorch's state_dict, in its order, buffers included (the non-persistent `calls` is in neither).
  const Json& stored = load_fixture(name).at("parameters");
  NamedTensors state = model.module->state_dict();
  REQUIRE(state.size() == stored.size());
  auto entry = stored.begin();
  for (const auto& [key, tensor] : state) {
    CAPTURE_BINDING(key);
    CHECK(key == entry.key());
    CHECK(tensor.value() == to_array(entry.value()));
    ++entry;
  }
  CHECK(static_cast<Outer&>(*model.module).block->scale.value() == Array{0.5f, 1.5f, 2.0f, 3.0f});
}
