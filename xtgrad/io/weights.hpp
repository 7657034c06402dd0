// Weights as JSON (format "xtgrad-weights", version 2; version 1 files still load): exact float32
// round trips, the module's state_dict (parameters and persistent buffers) under PyTorch's keys,
// the module's description to rebuild it from, and loading that validates everything before it
// touches the module.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

using Json = nlohmann::ordered_json;  // keeps key order: parameters stay in state_dict order

/// describe(module) as JSON: {"type": type_name(), ...config()}, what load_model() rebuilds
/// any registered module type from (layers/registry.hpp).
Json describe_architecture(const Module& module);

/// {"format", "version", "model", "parameters", "metadata"} for the module's current weights.
/// A NaN or an infinity in any of them throws std::invalid_argument naming the parameter and the
/// index (JSON would hold it as null, which no loader reads back), so nothing is written.
Json weights_to_json(const Module& module, const Json& metadata = Json::object());

/// Writes weights_to_json() to `path` atomically (temporary file, fsync, rename): a failure
/// leaves any previous file intact and throws std::runtime_error naming the path.
void save_weights(const Module& module, const std::string& path, const Json& metadata = Json::object());

/// Copies the state dict in `weights` (its "parameters" object) into `module`. Checks first, and
/// changes nothing unless all pass: format and version, (strict) every expected name present and
/// none unexpected, as PyTorch's load_state_dict(strict); each shape equal to the module's, data
/// length equal to the shape's product (before anything is allocated), every value a finite
/// number. Throws std::invalid_argument listing every problem, prefixed by `source` (the file name).
void load_weights_json(Module& module, const Json& weights, bool strict = true, const std::string& source = "weights");

/// Reads `path` and load_weights_json(); errors name the file (and the JSON line and column).
void load_weights(Module& module, const std::string& path, bool strict = true);

struct LoadedModel {
  std::shared_ptr<Module> module;
  Json architecture;
  Json metadata;
};

/// Rebuilds the model described in the file's "model" section through the module type
/// registry and fills its weights. An unknown type is an error naming it and how to register
/// it; options are checked by each type; building may allocate at most twice the file's own
/// numbers (plus 1 MiB), so a small file declaring a huge model is refused before it allocates.
/// The module comes back in eval mode (as a model loaded for predictions is used); call
/// train() on it to train it further.
LoadedModel load_model(const std::string& path);
LoadedModel load_model_json(const Json& weights, const std::string& source = "weights");

/// Parses a JSON file; errors (std::invalid_argument) name the file and, for syntax errors, the
/// line and column. Nesting deeper than 64 levels is rejected before parsing.
Json read_json_file(const std::string& path);
/// The same for text already in memory; `source` names it in errors.
Json parse_json(const std::string& text, const std::string& source);

}  // namespace xtgrad

XTGRAD_API_END
