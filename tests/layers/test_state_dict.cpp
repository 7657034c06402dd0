// State dicts, buffers, typed registration, options structs and the module type registry.
#include "support/testing.hpp"
#include "support/user_modules.hpp"

using namespace xtgrad;
using xtgrad::testing::Block;
using xtgrad::testing::Outer;

namespace {

std::vector<std::string> keys(const NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& entry : named) out.push_back(entry.first);
  return out;
}

}  // namespace

TEST_CASE("state_dict: parameters and persistent buffers in PyTorch's order") {
  Outer net(3, 4);
  // Own parameters, own buffers, then each child's: the keys torch.nn.Module.state_dict() gives
  // for the same module written in PyTorch (checked with PyTorch 1.13).
  CHECK(keys(net.state_dict()) == std::vector<std::string>{"offset", "block.scale", "block.fc.weight", "block.fc.bias",
                                                           "head.0.weight", "head.0.bias"});
  CHECK(keys(net.named_buffers()) == std::vector<std::string>{"offset", "block.scale", "block.calls"});
  CHECK(keys(net.named_parameters()) ==
        std::vector<std::string>{"block.fc.weight", "block.fc.bias", "head.0.weight", "head.0.bias"});
  // The entries are the module's own handles.
  CHECK(net.state_dict()[1].second.same_as(net.block->scale));
}

TEST_CASE("load_state_dict: copies every value, or lists every problem and changes nothing") {
  Outer source(3, 4), target(3, 4);
  source.block->scale.mutable_value().fill(5.0f);
  Tensor scale_handle = target.block->scale;
  target.load_state_dict(source.state_dict());
  CHECK(target.block->fc->weight.value() == source.block->fc->weight.value());
  CHECK(scale_handle.value() == source.block->scale.value());  // the same handle, new values

  Outer other(3, 5);
  Array before = target.block->fc->weight.value();
  NamedTensors wrong = other.state_dict();
  wrong.erase(wrong.begin());               // "offset" missing
  wrong.emplace_back("extra", zeros({1}));  // unexpected
  CHECK_THROWS_WITH_AS(
      target.load_state_dict(wrong),
      "TestOuter.load_state_dict: missing key 'offset' (expected shape [1]); 'block.scale' has shape [5] "
      "but the module's is [4]; 'block.fc.weight' has shape [5, 3] but the module's is [4, 3]; "
      "'block.fc.bias' has shape [5] but the module's is [4]; 'head.0.weight' has shape [1, 5] but the "
      "module's is [1, 4]; unexpected key 'extra'",
      std::invalid_argument);
  CHECK(target.block->fc->weight.value() == before);
  // Not strict: missing and unexpected keys are ignored; shapes are still checked.
  NamedTensors partial{{"offset", full({1}, 7.0f)}, {"nothing", zeros({2})}};
  target.load_state_dict(partial, /*strict=*/false);
  CHECK(target.offset.item() == 7.0f);
  CHECK_THROWS_AS(target.load_state_dict({{"offset", zeros({2})}}, false), std::invalid_argument);
}

TEST_CASE("register_module returns the typed child, and options structs configure layers") {
  struct Net : Module {
    std::shared_ptr<Linear> fc = register_module("fc", std::make_shared<Linear>(LinearOptions(4, 2).bias(false)));
    std::string type_name() const override { return "Net"; }
  } net;
  CHECK(net.fc->out_features == 2);
  CHECK_FALSE(net.fc->has_bias);
  CHECK(keys(net.state_dict()) == std::vector<std::string>{"fc.weight"});
  LSTM lstm(LSTMOptions(3, 5).num_layers(2).batch_first(true).bias(false));
  CHECK(lstm.repr() == "LSTM(3, 5, num_layers=2, bias=False, batch_first=True)");
  CHECK(LSTMCell(LSTMCellOptions(2, 3).bias(false)).named_parameters().size() == 2);
}

TEST_CASE("registry: describe and build_module round-trip built-in and user types") {
  xtgrad::testing::register_user_modules();
  Outer net(3, 4);
  Value d = describe(net);
  CHECK(to_string(d) == "{\"type\": \"TestOuter\", \"features\": 3, \"hidden\": 4}");
  std::shared_ptr<Module> rebuilt = build_module(d);
  CHECK(rebuilt->type_name() == "TestOuter");
  CHECK(keys(rebuilt->state_dict()) == keys(net.state_dict()));

  Sequential seq{std::make_shared<Linear>(LinearOptions(2, 3).bias(false)), std::make_shared<Tanh>()};
  CHECK(to_string(describe(seq)) ==
        "{\"type\": \"Sequential\", \"layers\": [{\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 3, "
        "\"bias\": false}, {\"type\": \"Tanh\"}]}");
  CHECK(build_module(describe(seq))->repr() == seq.repr());
  LSTM lstm(LSTMOptions(3, 5).num_layers(2).batch_first(true));
  CHECK(build_module(describe(lstm))->repr() == lstm.repr());

  Value unknown = Value::dict();
  unknown["type"] = "NeverRegistered";
  CHECK_THROWS_WITH_AS(
      build_module(unknown),
      doctest::Contains(
          "unknown module type 'NeverRegistered' (registered: BatchNorm1d, Dropout, ELU, "
          "Embedding, Flatten, GELU, GRU, GRUCell, Hardtanh, Identity, LSTM, LSTMCell, LSTMClassifier, "
          "LayerNorm, LeakyReLU, Linear, LogSoftmax, ReLU, SequenceClassifier, Sequential, SiLU, Sigmoid, "
          "Softmax, Softplus, Tanh, TestBlock, TestOuter); "
          "a module of your own is registered once before loading with "
          "xtgrad::register_module_type<NeverRegistered>(\"NeverRegistered\")"),
      std::invalid_argument);
}

TEST_CASE("LSTMClassifier: an initial state changes the logits as the LSTM's does") {
  Generator gen(3);
  LSTMClassifier net(2, 4, 2, gen);
  Tensor x = randn({3, 5, 2}, gen);
  LSTMState state{randn({2, 3, 4}, gen), randn({2, 3, 4}, gen)};
  Tensor with_state = net.forward(x, state);
  LSTMState h_n = net.lstm->forward_state(x, state);
  Tensor expected = (*net.fc)(reshape(narrow(h_n.h, 0, 1, 1), {3, 4}));
  CHECK(with_state.value() == expected.value());
  CHECK(net.forward(x, std::nullopt).value() == net(x).value());
  CHECK_FALSE(with_state.value() == net(x).value());
}
