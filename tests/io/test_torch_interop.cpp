// Models trained in PyTorch (tests/fixtures/torch_trained_*.json, written by
// tools/make_interop_fixtures.py) load in xtgrad and give PyTorch's probabilities.
#include "support/fixtures.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

TEST_CASE("interop: PyTorch-trained models predict PyTorch's probabilities within 1e-5") {
  for (std::string name : {"torch_trained_mlp.json", "torch_trained_lstm.json"}) {
    CAPTURE(name);
    LoadedModel model = load_model(std::string(XTGRAD_SOURCE_DIR) + "/tests/fixtures/" + name);
    const Json& check = model.metadata.at("check");
    std::vector<std::vector<float>> rows = check.at("inputs").get<std::vector<std::vector<float>>>();
    REQUIRE(!rows.empty());
    Array inputs = Array::from_shape({rows.size(), rows[0].size()});
    for (std::size_t r = 0; r < rows.size(); ++r) std::copy(rows[r].begin(), rows[r].end(), &inputs(r, 0));
    Array expected = Array::from_shape({rows.size()});
    for (std::size_t r = 0; r < rows.size(); ++r) expected(r) = check.at("probabilities")[r].get<float>();
    CHECK_ALL_CLOSE(predict_proba(model, inputs), expected, 0.0, 1e-5);
  }
}
