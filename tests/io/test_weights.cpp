// Weights files: exact round trips for every layer type, and every validation failure.
#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <limits>

#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "xtgrad/io.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

void check_same_parameters(const Module& a, const Module& b) {
  check_same_tensors(a.named_parameters(), b.named_parameters());
}

std::shared_ptr<Sequential> small_mlp() {
  return std::make_shared<Sequential>(
      std::initializer_list<std::shared_ptr<Module>>{std::make_shared<Linear>(3, 5), std::make_shared<ReLU>(),
                                                     std::make_shared<Linear>(5, 4, false), std::make_shared<Tanh>(),
                                                     std::make_shared<Linear>(4, 1), std::make_shared<Sigmoid>()});
}

// The weights JSON of small_mlp() with one edit applied, as text.
std::string edited(const std::function<void(Json&)>& edit) {
  Json j = weights_to_json(*small_mlp());
  edit(j);
  return j.dump();
}

}  // namespace

TEST_CASE("weights: every layer type round-trips bit for bit, with architecture and metadata") {
  TempDir dir;
  auto mlp = small_mlp();
  save_weights(*mlp, dir.file("mlp.json"), {{"epochs", 3}, {"note", "test"}});
  LoadedModel loaded = load_model(dir.file("mlp.json"));
  check_same_parameters(*mlp, *loaded.module);
  CHECK(loaded.module->repr() == mlp->repr());
  CHECK(loaded.metadata["epochs"] == 3);
  Tensor x = randn({7, 3});
  CHECK(same_bits((*loaded.module)(x).value(), (*mlp)(x).value()));

  LSTMClassifier lstm(4, 6, 2);
  save_weights(lstm, dir.file("lstm.json"));
  LoadedModel lstm_loaded = load_model(dir.file("lstm.json"));
  check_same_parameters(lstm, *lstm_loaded.module);
  CHECK(lstm_loaded.architecture ==
        Json{{"type", "LSTMClassifier"}, {"input_size", 4}, {"hidden_size", 6}, {"num_layers", 2}});
  Tensor seq = randn({3, 5, 4});
  CHECK(same_bits((*lstm_loaded.module)(seq).value(), lstm(seq).value()));
}

TEST_CASE("weights: awkward float32 values survive exactly, and are written compactly") {
  TempDir dir;
  Linear layer(2, 4);
  float specials[] = {0.1f, 1.0f / 3.0f, -0.0f, 1e-45f, 1.17549435e-38f, 3.40282347e38f, -2.5e-7f, 16777217.0f};
  std::memcpy(layer.weight.mutable_value().data(), specials, sizeof specials);
  save_weights(layer, dir.file("w.json"));
  std::string text = read_text(dir.file("w.json"));
  CHECK(text.find("0.1,") != std::string::npos);
  CHECK(text.find("0.10000000149") == std::string::npos);
  Linear copy(2, 4);
  load_weights(copy, dir.file("w.json"));
  CHECK(same_bits(copy.weight.value(), layer.weight.value()));
  CHECK(same_bits(copy.bias.value(), layer.bias.value()));
}

TEST_CASE("weights: a NaN or an infinity is refused when saving, naming the parameter, and nothing is written") {
  // JSON has no NaN or infinity: nlohmann writes them as null, which no loader reads back.
  TempDir dir;
  Linear layer(2, 3);
  save_weights(layer, dir.file("w.json"));
  std::string good = read_text(dir.file("w.json"));
  layer.weight.mutable_value()(1, 0) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(save_weights(layer, dir.file("w.json")),
                       "parameter 'weight': data[2] is nan, and the file holds finite float32 values only",
                       std::invalid_argument);
  layer.weight.mutable_value()(1, 0) = 0.5f;
  layer.bias.mutable_value()(2) = -std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(weights_to_json(layer), doctest::Contains("parameter 'bias': data[2] is -inf"),
                       std::invalid_argument);
  CHECK(read_text(dir.file("w.json")) == good);

  // A checkpoint names the optimizer state that diverged.
  Linear model(2, 1);
  Adam adam(model.parameters(), AdamOptions(0.1));
  model.weight.mutable_grad() = Array{{1.0f, std::numeric_limits<float>::infinity()}};
  model.bias.mutable_grad() = Array{0.5f};
  adam.step();
  model.weight.mutable_value() = Array{{1.0f, 2.0f}};  // finite weights, non-finite moments
  CHECK_THROWS_WITH_AS(save_checkpoint(dir.file("ck.json"), {&model, &adam}),
                       doctest::Contains("optimizer.state.0.exp_avg: data[1] is inf"), std::invalid_argument);
  CHECK(!std::ifstream(dir.file("ck.json")));

  // A real number in a state (a user module's, say) likewise: nlohmann would write null.
  Value state = Value::dict();
  state["scale"] = Value(std::numeric_limits<double>::quiet_NaN());
  CHECK_THROWS_WITH_AS(to_json(state, "extra"), doctest::Contains("extra.scale is nan"), std::invalid_argument);
  state["scale"] = Value(0.25);
  CHECK(to_json(state, "extra").dump() == R"({"scale":0.25})");
}

TEST_CASE("weights: each bad file is rejected with the file, the key and what was wrong, and the module is unchanged") {
  TempDir dir;
  auto target = small_mlp();
  Array before = target->named_parameters()[0].second.value();
  struct Case {
    const char* name;
    std::string text;
    std::string expected;  // a part of the message
  };
  std::vector<Case> cases{
      {"not JSON", "{\"format\": xtgrad}",
       "not valid JSON: [json.exception.parse_error.101] parse error at line 1, column 12"},
      {"truncated", edited([](Json&) {}).substr(0, 200), "not valid JSON"},
      {"empty", "", "not valid JSON"},
      {"not an object", "[1, 2]", "expected a JSON object at the top level, got array"},
      {"wrong format", edited([](Json& j) { j["format"] = "pytorch"; }),
       "\"format\" must be \"xtgrad-weights\", got \"pytorch\""},
      {"wrong version", edited([](Json& j) { j["version"] = 3; }), "\"version\" 3 is not supported"},
      {"version as text", edited([](Json& j) { j["version"] = "1"; }),
       "\"version\" must be the number 1 or 2, got the string \"1\""},
      {"missing key", edited([](Json& j) { j["parameters"].erase("2.weight"); }),
       "missing parameter '2.weight' (expected shape [4, 5])"},
      {"extra key", edited([](Json& j) { j["parameters"]["9.weight"] = j["parameters"]["0.bias"]; }),
       "unexpected parameter '9.weight'"},
      {"wrong shape", edited([](Json& j) {
         j["parameters"]["0.weight"]["shape"] = {3, 5};
       }),
       "parameter '0.weight': shape [3, 5] in the file, but the model expects [5, 3]"},
      {"data length", edited([](Json& j) { j["parameters"]["0.bias"]["data"].erase(0); }),
       "parameter '0.bias': \"data\" has 4 values but shape [5] needs 5"},
      {"huge shape", edited([](Json& j) {
         j["parameters"]["0.weight"]["shape"] = {100000000, 100000000};
       }),
       "shape [100000000, 100000000] in the file, but the model expects [5, 3]"},
      {"infinite value", edited([](Json& j) { j["parameters"]["0.bias"]["data"][2] = 1e300; }),
       "parameter '0.bias': data[2] is not a finite float32"},
      {"string value", edited([](Json& j) { j["parameters"]["0.bias"]["data"][1] = "0.5"; }),
       "parameter '0.bias': data[1] is not a number (got \"0.5\")"},
      {"negative extent", edited([](Json& j) { j["parameters"]["0.bias"]["shape"] = {-5}; }),
       "\"shape\" must hold non-negative integers"},
      {"dtype", edited([](Json& j) { j["parameters"]["0.bias"]["dtype"] = "float64"; }),
       "\"dtype\" must be \"float32\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::string path = dir.write(std::string(c.name) + ".json", c.text);
    std::string message;
    try {
      load_weights(*target, path);
    } catch (const std::invalid_argument& e) {
      message = e.what();
    }
    CAPTURE(message);
    CHECK(message.rfind(path + ": ", 0) == 0);  // starts with the file name
    CHECK(message.find(c.expected) != std::string::npos);
    CHECK(target->named_parameters()[0].second.value() == before);
  }
  // Several problems are listed together.
  std::string both = dir.write("both.json", edited([](Json& j) {
                                 j["parameters"].erase("0.bias");
                                 j["parameters"]["x"] = 1;
                               }));
  CHECK_THROWS_WITH_AS(load_weights(*target, both),
                       (both + ": missing parameter '0.bias' (expected shape [5]); "
                               "unexpected parameter 'x'")
                           .c_str(),
                       std::invalid_argument);
  // Not strict: unexpected keys are ignored, missing ones are still errors.
  std::string extra = dir.write("extra.json", edited([](Json& j) { j["parameters"]["x"] = 1; }));
  load_weights(*target, extra, /*strict=*/false);
  CHECK_THROWS_AS(load_weights(*target, dir.file("missing.json")), std::runtime_error);
}

TEST_CASE("load_model: unknown types, bad options and oversized architectures are rejected before building") {
  TempDir dir;
  auto arch_case = [&](const char* name, const Json& model) {
    return dir.write(name, edited([&](Json& j) { j["model"] = model; }));
  };
  Json linear = {{"type", "Linear"}, {"in_features", 30}, {"out_features", 16}, {"bias", true}};
  Json linear2 = {{"type", "Linear"}, {"in_features", 8}, {"out_features", 1}, {"bias", true}};
  CHECK_THROWS_WITH_AS(
      load_model(
          arch_case("inconsistent.json", {{"type", "Sequential"}, {"layers", {linear, {{"type", "ReLU"}}, linear2}}})),
      (dir.file("inconsistent.json") +
       ": parameter '0.weight': shape [5, 3] in the file, but the model expects [16, 30]; parameter "
       "'0.bias': shape [5] in the file, but the model expects [16]; parameter '2.weight': shape [4, 5] "
       "in the file, but the model expects [1, 8]; missing parameter '2.bias' (expected shape [1]); "
       "unexpected parameter '4.weight'; unexpected parameter '4.bias'")
          .c_str(),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      load_model(arch_case("unknown.json", {{"type", "Sequential"}, {"layers", {{{"type", "Conv2d"}}}}})),
      // (other tests in this process may have registered types of their own after Tanh)
      doctest::Contains(
          (dir.file("unknown.json") +
           ": model: layers[0]: unknown module type 'Conv2d' (registered: BatchNorm1d, Dropout, "
           "ELU, Embedding, Flatten, GELU, GRU, GRUCell, Hardtanh, Identity, LSTM, LSTMCell, "
           "LSTMClassifier, LayerNorm, LeakyReLU, Linear, LogSoftmax, ReLU, SequenceClassifier, Sequential, "
           "SiLU, Sigmoid, Softmax, Softplus, Tanh")
              .c_str()),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(load_model(
                           arch_case("unknown.json", {{"type", "Sequential"}, {"layers", {{{"type", "Conv2d"}}}}})),
                       doctest::Contains("; a module of your own is registered once before loading with "
                                         "xtgrad::register_module_type<Conv2d>(\"Conv2d\")"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(load_model(
                           arch_case("option.json",
                                     {{"type", "Sequential"},
                                      {"layers", {{{"type", "Linear"}, {"in_features", "30"}, {"out_features", 1}}}}})),
                       (dir.file("option.json") +
                        ": model: layers[0]: 'in_features' must be an integer from 1 to 16777216, got a string \"30\"")
                           .c_str(),
                       std::invalid_argument);
  // Sizes each within bounds, but far more parameters than the file holds: refused when the
  // first large allocation is asked for, not after.
  Json huge = {{"type", "Linear"}, {"in_features", 4096}, {"out_features", 4096}};
  CHECK_THROWS_WITH_AS(
      load_model(arch_case("huge.json", {{"type", "Sequential"}, {"layers", {huge}}})),
      (dir.file("huge.json") + ": the model it describes needs more parameters than the file holds").c_str(),
      std::invalid_argument);
  CHECK_THROWS_AS(
      load_model(arch_case("zero.json",
                           {{"type", "LSTMClassifier"}, {"input_size", 0}, {"hidden_size", 4}, {"num_layers", 1}})),
      std::invalid_argument);
  CHECK_THROWS_AS(load_model(arch_case("type.json", {{"type", "Transformer"}})), std::invalid_argument);
  CHECK_THROWS_AS(load_model(arch_case("empty.json", {{"type", "Sequential"}, {"layers", Json::array()}})),
                  std::invalid_argument);
  // A well-formed architecture whose parameters do not match it.
  CHECK_THROWS_AS(load_model(arch_case("mismatch.json", {{"type", "Sequential"}, {"layers", {linear}}})),
                  std::invalid_argument);
}

TEST_CASE("save_weights: a failed save reports the path and leaves the previous file intact") {
  TempDir dir;
  auto mlp = small_mlp();
  std::string missing_folder = dir.file("no/such/folder/w.json");
  CHECK_THROWS_WITH_AS(save_weights(*mlp, missing_folder),
                       ("cannot write '" + missing_folder + "': cannot create a temporary file in '" +
                        dir.file("no/such/folder") + "': No such file or directory")
                           .c_str(),
                       std::runtime_error);
  std::string file_as_folder = dir.write("plain", "x") + "/w.json";
  CHECK_THROWS_AS(save_weights(*mlp, file_as_folder), std::runtime_error);

  // A full disk, simulated with a file-size limit: the write fails part way.
  std::string path = dir.file("model.json");
  save_weights(*mlp, path);
  std::string good = read_text(path);
  LSTMClassifier big(32, 64, 2);
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  getrlimit(RLIMIT_FSIZE, &old_limit);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  setrlimit(RLIMIT_FSIZE, &small);
  std::string message;
  try {
    save_weights(big, path);
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  CHECK(message.find("cannot write '" + path + "': writing failed") != std::string::npos);
  CHECK(read_text(path) == good);
  CHECK(dir.count_files() == 2);  // model.json and "plain": no temporary file left behind
}

TEST_CASE("weights: inputs the fuzzer found are rejected cleanly") {
  TempDir dir;
  auto mlp = small_mlp();
  // A number beyond double's range used to escape as nlohmann's out_of_range.
  std::string overflow = dir.write("overflow.json", "1e999");
  CHECK_THROWS_WITH_AS(
      load_weights(*mlp, overflow),
      (overflow + ": not valid JSON: [json.exception.out_of_range.406] number overflow parsing '1e999'").c_str(),
      std::invalid_argument);
  // Deep nesting is refused before the recursive parser sees it.
  std::string deep = dir.write("deep.json", std::string(100000, '[') + std::string(100000, ']'));
  CHECK_THROWS_WITH_AS(load_weights(*mlp, deep), (deep + ": JSON nested deeper than 64 levels").c_str(),
                       std::invalid_argument);
  // Layer sizes whose parameter count sums to exactly 2^64 (wrapping a plain 64-bit sum to 0, so
  // an empty file would pass the count check): 2^24 + 65535·2^48 + 2^24·(2^24 − 1) = 2^64.
  Json layers = Json::array();
  auto linear = [&](std::size_t in, std::size_t out) {
    layers.push_back({{"type", "Linear"}, {"in_features", in}, {"out_features", out}, {"bias", false}});
  };
  linear(1, 1 << 24);
  for (int i = 0; i < 65535; ++i) linear(1 << 24, 1 << 24);
  linear(1 << 24, (1 << 24) - 1);
  Json wrapped = {{"format", "xtgrad-weights"},
                  {"version", 1},
                  {"model", {{"type", "Sequential"}, {"layers", layers}}},
                  {"parameters", Json::object()}};
  CHECK_THROWS_WITH_AS(load_model_json(wrapped, "wrapped"),
                       "wrapped: the model it describes needs more parameters than the file holds",
                       std::invalid_argument);
}
