// The weights file: writing (compact and bit-exact floats), validating, loading, rebuilding.
// Nothing here knows a layer type: modules describe themselves (layers/registry.hpp).
#include "xtgrad/io/weights.hpp"

#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "xtgrad/core/allocator.hpp"
#include "xtgrad/io/detail/atomic_file.hpp"
#include "xtgrad/io/tensor_json.hpp"
#include "xtgrad/io/value_json.hpp"
#include "xtgrad/layers/registry.hpp"

namespace xtgrad {
namespace {

constexpr const char* kFormat = "xtgrad-weights";
// Version 2 (this one) may hold buffers beside parameters and any registered module type;
// version 1 files (parameters of Sequential and LSTMClassifier models) read the same way.
constexpr int kVersion = 2;

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

[[noreturn]] void reject(const std::string& source, const std::string& why) {
  throw std::invalid_argument(source + ": " + why);
}

std::string described(const Json& j) {
  std::string kind = j.is_string() ? "the string " : j.is_number() ? "the number " : std::string(j.type_name()) + " ";
  return kind + j.dump();
}

void check_header(const Json& j, const std::string& source) {
  if (!j.is_object()) reject(source, "expected a JSON object at the top level, got " + std::string(j.type_name()));
  if (!j.contains("format") || j["format"] != kFormat)
    reject(source, "\"format\" must be \"" + std::string(kFormat) + "\", got " +
                       (j.contains("format") ? j["format"].dump() : "nothing"));
  if (!j.contains("version")) reject(source, "\"version\" is missing (this xtgrad reads versions 1 and 2)");
  const Json& version = j["version"];
  if (!version.is_number_integer()) reject(source, "\"version\" must be the number 1 or 2, got " + described(version));
  if (version != 1 && version != kVersion)
    reject(source, "\"version\" " + version.dump() + " is not supported (this xtgrad reads versions 1 and 2)");
  if (!j.contains("parameters") || !j["parameters"].is_object())
    reject(source, "\"parameters\" must be an object of named tensors");
}

// Floats the file holds in all its tensors: rebuilding a model may allocate about that much.
std::size_t values_in_file(const Json& parameters) {
  std::size_t count = 0;
  for (auto& item : parameters.items())
    if (item.value().is_object() && item.value().contains("data") && item.value()["data"].is_array())
      count += item.value()["data"].size();
  return count;
}

}  // namespace

Json describe_architecture(const Module& module) { return to_json(describe(module)); }

Json weights_to_json(const Module& module, const Json& metadata) {
  Json parameters = Json::object();
  for (const auto& [name, tensor] : module.state_dict())
    parameters[name] = tensor_to_json(tensor.value(), "parameter '" + name + "'");
  return {{"format", kFormat},
          {"version", kVersion},
          {"model", describe_architecture(module)},
          {"parameters", parameters},
          {"metadata", metadata.is_null() ? Json::object() : metadata}};
}

void save_weights(const Module& module, const std::string& path, const Json& metadata) {
  write_file_atomically(path, weights_to_json(module, metadata).dump() + "\n");
}

void load_weights_json(Module& module, const Json& weights, bool strict, const std::string& source) {
  check_header(weights, source);
  const Json& stored = weights["parameters"];
  std::vector<std::string> problems;
  NamedTensors staged;
  NamedTensors expected = module.state_dict();
  for (auto& [name, tensor] : expected) {
    if (!stored.contains(name)) {
      if (strict)
        problems.push_back("missing parameter '" + name + "' (expected shape " + shape_str(tensor.shape()) + ")");
      continue;
    }
    Array value;
    if (tensor_from_json(stored[name], "parameter '" + name + "'", tensor.shape(), value, problems))
      staged.emplace_back(name, Tensor(std::move(value)));
  }
  if (strict) {
    for (auto& item : stored.items()) {
      bool known = false;
      for (auto& named : expected) known = known || named.first == item.key();
      if (!known) problems.push_back("unexpected parameter '" + item.key() + "'");
    }
  }
  if (!problems.empty()) reject(source, join(problems));
  module.load_state_dict(staged, false);  // names and shapes were checked above
}

void load_weights(Module& module, const std::string& path, bool strict) {
  load_weights_json(module, read_json_file(path), strict, path);
}

LoadedModel load_model_json(const Json& weights, const std::string& source) {
  check_header(weights, source);
  if (!weights.contains("model")) reject(source, "\"model\" (the architecture) is missing");
  LoadedModel loaded;
  try {
    // A model is built with fresh parameters before the file's are copied in: it may take
    // twice the file's own numbers (plus 1 MiB of slack), so a small file declaring a huge
    // model is refused before it allocates.
    std::size_t values = values_in_file(weights["parameters"]);
    AllocationLimit limit(2 * sizeof(float) * values + (std::size_t{1} << 20));
    loaded.module = build_module(value_from_json(weights["model"], "model"));
  } catch (const std::length_error&) {
    reject(source, "the model it describes needs more parameters than the file holds");
  } catch (const std::invalid_argument& e) {
    reject(source, std::string("model: ") + e.what());
  }
  load_weights_json(*loaded.module, weights, true, source);
  loaded.module->eval();  // for inference, as torch_json.py's from_xtgrad: Dropout off, BatchNorm's running statistics
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
