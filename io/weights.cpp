// The weights file: writing (compact and bit-exact floats), validating, loading, rebuilding.
#include "weights.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "../layers/activation.hpp"
#include "../layers/linear.hpp"
#include "../layers/lstm.hpp"
#include "../layers/sequential.hpp"
#include "atomic_file.hpp"
#include "tensor_json.hpp"

namespace xtgrad {
namespace {

constexpr const char* kFormat = "xtgrad-weights";
constexpr int kVersion = 1;

Json describe_layer(const Module& m) {
  if (auto* linear = dynamic_cast<const Linear*>(&m))
    return {{"type", "Linear"}, {"in_features", linear->in_features}, {"out_features", linear->out_features},
            {"bias", linear->has_bias}};
  return {{"type", m.type_name()}};
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

[[noreturn]] void reject(const std::string& source, const std::string& why) {
  throw std::invalid_argument(source + ": " + why);
}

void check_header(const Json& j, const std::string& source) {
  if (!j.is_object()) reject(source, "expected a JSON object at the top level, got " + std::string(j.type_name()));
  if (!j.contains("format") || j["format"] != kFormat)
    reject(source, "\"format\" must be \"" + std::string(kFormat) + "\", got " +
                       (j.contains("format") ? j["format"].dump() : "nothing"));
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] != kVersion)
    reject(source, "\"version\" " + (j.contains("version") ? j["version"].dump() : "is missing and") +
                       " is not supported (this xtgrad reads version 1)");
  if (!j.contains("parameters") || !j["parameters"].is_object())
    reject(source, "\"parameters\" must be an object of named tensors");
}

// A positive integer field of an architecture entry, or a problem.
std::size_t size_field(const Json& layer, const char* key, const std::string& where, std::vector<std::string>& problems) {
  if (!layer.contains(key) || !layer[key].is_number_integer() || layer[key].get<std::int64_t>() <= 0 ||
      layer[key].get<std::int64_t>() > (1 << 24)) {
    problems.push_back(where + "." + key + " must be a positive integer (at most 2^24), got " +
                       (layer.contains(key) ? layer[key].dump() : "nothing"));
    return 0;
  }
  return layer[key].get<std::size_t>();
}

// Parameter counts add up saturating, so a huge declared architecture cannot wrap around to a
// small number and slip past check_count.
void add_count(std::size_t& count, std::size_t amount) {
  count = amount > std::numeric_limits<std::size_t>::max() - count ? std::numeric_limits<std::size_t>::max()
                                                                    : count + amount;
}

// Checks one entry of model.layers, adds its parameter count and tracks the feature width.
// With a generator (the second pass, after every entry passed) it also builds the layer.
std::shared_ptr<Module> layer_from_json(const Json& layer, const std::string& where, std::size_t& width,
                                        std::size_t& count, std::vector<std::string>& problems, Generator* gen) {
  if (!layer.is_object() || !layer.contains("type") || !layer["type"].is_string()) {
    problems.push_back(where + " must be an object with a \"type\"");
    return nullptr;
  }
  std::string type = layer["type"];
  if (type == "ReLU") return gen ? std::make_shared<ReLU>() : nullptr;
  if (type == "Tanh") return gen ? std::make_shared<Tanh>() : nullptr;
  if (type == "Sigmoid") return gen ? std::make_shared<Sigmoid>() : nullptr;
  if (type != "Linear") {
    problems.push_back(where + ": unknown layer type '" + type + "' (known: Linear, ReLU, Tanh, Sigmoid)");
    return nullptr;
  }
  std::size_t in = size_field(layer, "in_features", where, problems);
  std::size_t out = size_field(layer, "out_features", where, problems);
  bool bias = true;
  if (layer.contains("bias") && !layer["bias"].is_boolean()) problems.push_back(where + ".bias must be true or false");
  else if (layer.contains("bias")) bias = layer["bias"];
  if (in == 0 || out == 0) return nullptr;
  if (width != 0 && in != width)
    problems.push_back(where + " (Linear) expects " + std::to_string(in) +
                       " input features but the layer before it gives " + std::to_string(width));
  width = out;
  add_count(count, in * out + (bias ? out : 0));  // each factor <= 2^24: no overflow here
  return gen ? std::make_shared<Linear>(in, out, bias, *gen) : nullptr;
}

void check_count(std::size_t count, std::size_t available, std::vector<std::string>& problems) {
  if (count > available)
    problems.push_back("the model declares " + std::to_string(count) + " parameters but the file holds only " +
                       std::to_string(available) + " values");
}

std::shared_ptr<Module> build_model(const Json& arch, std::size_t available_values, const std::string& source) {
  if (!arch.is_object() || !arch.contains("type") || !arch["type"].is_string())
    reject(source, "\"model\" must be an object with a \"type\"");
  std::string type = arch["type"];
  std::vector<std::string> problems;
  std::size_t count = 0;
  Generator gen(0);  // initial values are overwritten by the file's
  std::shared_ptr<Module> model;
  if (type == "Sequential") {
    if (!arch.contains("layers") || !arch["layers"].is_array() || arch["layers"].empty())
      reject(source, "model.layers must be a non-empty array");
    const Json& layers = arch["layers"];
    auto where = [](std::size_t i) { return "model.layers[" + std::to_string(i) + "]"; };
    std::size_t width = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) layer_from_json(layers[i], where(i), width, count, problems, nullptr);
    if (problems.empty()) check_count(count, available_values, problems);
    if (!problems.empty()) reject(source, join(problems));
    auto seq = std::make_shared<Sequential>();
    width = count = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) seq->push_back(layer_from_json(layers[i], where(i), width, count, problems, &gen));
    model = seq;
  } else if (type == "LSTMClassifier") {
    std::size_t in = size_field(arch, "input_size", "model", problems);
    std::size_t hidden = size_field(arch, "hidden_size", "model", problems);
    std::size_t layers = size_field(arch, "num_layers", "model", problems);
    if (problems.empty()) {
      count = hidden + 1;  // fc
      for (std::size_t k = 0; k < layers; ++k) add_count(count, 4 * hidden * ((k == 0 ? in : hidden) + hidden) + 8 * hidden);
      check_count(count, available_values, problems);
    }
    if (!problems.empty()) reject(source, join(problems));
    model = std::make_shared<LSTMClassifier>(in, hidden, layers, gen);
  } else {
    reject(source, "model type '" + type + "' cannot be rebuilt (known: Sequential, LSTMClassifier)");
  }
  return model;
}

}  // namespace

Json describe_architecture(const Module& module) {
  if (auto* seq = dynamic_cast<const Sequential*>(&module)) {
    Json layers = Json::array();
    for (const auto& child : seq->named_children()) layers.push_back(describe_layer(*child.second));
    return {{"type", "Sequential"}, {"layers", layers}};
  }
  if (auto* classifier = dynamic_cast<const LSTMClassifier*>(&module))
    return {{"type", "LSTMClassifier"}, {"input_size", classifier->lstm->input_size},
            {"hidden_size", classifier->lstm->hidden_size}, {"num_layers", classifier->lstm->num_layers}};
  return describe_layer(module);
}

Json weights_to_json(const Module& module, const Json& metadata) {
  Json parameters = Json::object();
  for (const auto& [name, tensor] : module.named_parameters()) parameters[name] = tensor_to_json(tensor.value());
  return {{"format", kFormat}, {"version", kVersion}, {"model", describe_architecture(module)},
          {"parameters", parameters}, {"metadata", metadata.is_null() ? Json::object() : metadata}};
}

void save_weights(const Module& module, const std::string& path, const Json& metadata) {
  write_file_atomically(path, weights_to_json(module, metadata).dump() + "\n");
}

void load_weights_json(Module& module, const Json& weights, bool strict, const std::string& source) {
  check_header(weights, source);
  const Json& stored = weights["parameters"];
  std::vector<std::string> problems;
  std::vector<std::pair<Tensor, Array>> staged;
  for (auto& [name, tensor] : module.named_parameters()) {
    if (!stored.contains(name)) {
      problems.push_back("missing parameter '" + name + "' (expected shape " + shape_str(tensor.shape()) + ")");
      continue;
    }
    Array value;
    if (tensor_from_json(stored[name], "parameter '" + name + "'", tensor.shape(), value, problems))
      staged.emplace_back(tensor, std::move(value));
  }
  if (strict) {
    auto expected = module.named_parameters();
    for (auto& item : stored.items()) {
      bool known = false;
      for (auto& named : expected) known = known || named.first == item.key();
      if (!known) problems.push_back("unexpected parameter '" + item.key() + "'");
    }
  }
  if (!problems.empty()) reject(source, join(problems));
  for (auto& [tensor, value] : staged) tensor.mutable_value() = std::move(value);
}

void load_weights(Module& module, const std::string& path, bool strict) {
  load_weights_json(module, read_json_file(path), strict, path);
}

LoadedModel load_model_json(const Json& weights, const std::string& source) {
  check_header(weights, source);
  if (!weights.contains("model")) reject(source, "\"model\" (the architecture) is missing");
  std::size_t available = 0;
  for (auto& item : weights["parameters"].items())
    if (item.value().is_object() && item.value().contains("data") && item.value()["data"].is_array())
      available += item.value()["data"].size();
  LoadedModel loaded;
  loaded.module = build_model(weights["model"], available, source);
  load_weights_json(*loaded.module, weights, true, source);
  loaded.architecture = weights["model"];
  loaded.metadata = weights.contains("metadata") ? weights["metadata"] : Json::object();
  if (!loaded.metadata.is_object()) reject(source, "\"metadata\" must be an object");
  return loaded;
}

LoadedModel load_model(const std::string& path) { return load_model_json(read_json_file(path), path); }

Json parse_json(const std::string& text, const std::string& source) {
  // nlohmann::json handles deep nesting recursively; a weights file needs about five levels,
  // so anything past 64 is refused before it can exhaust the stack.
  constexpr int kMaxDepth = 64;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if ((c == '[' || c == '{') && ++depth > kMaxDepth) {
      throw std::invalid_argument(source + ": JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw std::invalid_argument(source + ": not valid JSON: " + e.what());
  } catch (const Json::exception& e) {  // e.g. a number too large for a double
    throw std::invalid_argument(source + ": not valid JSON: " + e.what());
  }
}

Json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "': no such file, or it is not readable");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json(text.str(), path);
}

}  // namespace xtgrad
