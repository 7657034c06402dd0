// libFuzzer target: the input is a weights file, read with read_json_file() and loaded with
// load_weights_json() into Sequential(Linear(3, 4), ReLU, Linear(4, 1)), strict and non-strict.
#include <cstring>

#include "fuzz_support.hpp"

using namespace xtgrad;
using namespace xtgrad::fuzz;

namespace {

std::shared_ptr<Sequential> fixed_model() {
  Generator gen(0);
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(3, 4, true, gen), std::make_shared<ReLU>(), std::make_shared<Linear>(4, 1, true, gen)});
}

bool same_bits(const Array& a, const Array& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Loads `weights` into a fresh model. The documented contract: on success every parameter holds
// the file's numbers rounded to float32; on failure the model is unchanged.
Outcome load(const Json& weights, bool strict, std::vector<Array>& loaded) {
  auto model = fixed_model();
  std::vector<Array> before;
  for (const auto& named : model->named_parameters()) before.push_back(named.second.value());
  Outcome outcome = run("load_weights_json", [&] { load_weights_json(*model, weights, strict, "fuzz.json"); });
  auto parameters = model->named_parameters();
  loaded.clear();
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    const auto& [name, tensor] = parameters[k];
    loaded.push_back(tensor.value());
    if (outcome != Outcome::returned) {
      FUZZ_CHECK(same_bits(tensor.value(), before[k]), "a failed load changed '" + name + "'");
      continue;
    }
    if (!weights["parameters"].contains(name)) {  // non-strict, as PyTorch: a missing key is left alone
      FUZZ_CHECK(!strict, "a strict load accepted a file without '" + name + "'");
      FUZZ_CHECK(same_bits(tensor.value(), before[k]), "a load without '" + name + "' changed it");
      continue;
    }
    const Json& data = weights["parameters"][name]["data"];
    FUZZ_CHECK(data.size() == tensor.numel(), "'" + name + "' loaded with the wrong number of values");
    for (std::size_t i = 0; i < data.size(); ++i) {
      float expected = static_cast<float>(data[i].get<double>());
      FUZZ_CHECK(std::memcmp(&expected, tensor.value().data() + i, sizeof(float)) == 0,
                 "'" + name + "' data[" + std::to_string(i) + "] was not loaded as written");
    }
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InputFile file;
  const std::string& path = file.write(data, size);
  Json weights;
  if (run("read_json_file", [&] { weights = read_json_file(path); }) != Outcome::returned) return 0;

  std::vector<Array> strict_values, lenient_values;
  Outcome strict = load(weights, true, strict_values);
  Outcome lenient = load(weights, false, lenient_values);
  FUZZ_CHECK(strict != Outcome::runtime_error && lenient != Outcome::runtime_error,
             "load_weights_json threw std::runtime_error; it documents std::invalid_argument");
  // Non-strict only skips the checks for missing and unexpected names: it accepts whatever strict accepts.
  if (strict == Outcome::returned) {
    FUZZ_CHECK(lenient == Outcome::returned, "a file loaded strictly but not leniently");
    for (std::size_t k = 0; k < strict_values.size(); ++k)
      FUZZ_CHECK(same_bits(strict_values[k], lenient_values[k]), "strict and lenient loads differ");
  }
  return 0;
}
