// Checkpoints: weights + optimizer state + epoch + generator state, validated as a whole
// before anything is restored.
#include "checkpoint.hpp"

#include <optional>
#include <stdexcept>

#include "../optim/adam.hpp"
#include "../optim/sgd.hpp"
#include "atomic_file.hpp"
#include "tensor_json.hpp"

namespace xtgrad {
namespace {

constexpr const char* kFormat = "xtgrad-checkpoint";

std::string optimizer_type(const Optimizer& optimizer) {
  if (dynamic_cast<const AdamW*>(&optimizer)) return "AdamW";
  if (dynamic_cast<const Adam*>(&optimizer)) return "Adam";
  if (dynamic_cast<const SGD*>(&optimizer)) return "SGD";
  throw std::invalid_argument("checkpoint: only SGD, Adam and AdamW optimizers can be saved");
}

Json optimizer_options(const Optimizer& optimizer) {
  // Version 1 files hold one parameter group.
  const OptimizerOptions& options = optimizer.param_groups()[0].options();
  if (dynamic_cast<const Adam*>(&optimizer)) {
    const auto& o = static_cast<const AdamOptions&>(options);
    return {{"betas", {o.betas()[0], o.betas()[1]}}, {"eps", o.eps()}, {"weight_decay", o.weight_decay()}, {"amsgrad", o.amsgrad()}};
  }
  const auto& o = static_cast<const SGDOptions&>(options);
  return {{"momentum", o.momentum()}, {"dampening", o.dampening()}, {"weight_decay", o.weight_decay()},
          {"nesterov", o.nesterov()}};
}

Json optimizer_state(const Optimizer& optimizer) {
  Json state = Json::array();
  for (std::size_t k = 0; k < optimizer.params().size(); ++k) {
    if (auto* adam = dynamic_cast<const Adam*>(&optimizer)) {
      const std::optional<AdamState>& s = adam->state()[k];
      Json entry = {{"step", s ? s->step : 0}};
      if (s) {
        entry["exp_avg"] = tensor_to_json(s->exp_avg);
        entry["exp_avg_sq"] = tensor_to_json(s->exp_avg_sq);
        if (s->max_exp_avg_sq.shape() == s->exp_avg.shape()) entry["max_exp_avg_sq"] = tensor_to_json(s->max_exp_avg_sq);
      }
      state.push_back(entry);
    } else {
      const SGD& sgd = dynamic_cast<const SGD&>(optimizer);
      state.push_back(sgd.has_momentum_buffer(k) ? Json{{"momentum_buffer", tensor_to_json(sgd.momentum_buffer(k))}}
                                                 : Json::object());
    }
  }
  return state;
}

[[noreturn]] void reject(const std::string& path, const std::string& why) {
  throw std::invalid_argument(path + ": " + why);
}

}  // namespace

void save_checkpoint(const std::string& path, const Module& module, const Optimizer& optimizer, std::int64_t epoch,
                     const Generator& generator, const Json& metadata) {
  Json checkpoint = {{"format", kFormat},
                     {"version", 1},
                     {"epoch", epoch},
                     {"weights", weights_to_json(module)},
                     {"optimizer",
                      {{"type", optimizer_type(optimizer)},
                       {"lr", optimizer.param_groups()[0].options().lr()},
                       {"options", optimizer_options(optimizer)},
                       {"state", optimizer_state(optimizer)}}},
                     {"generator", generator.state()},
                     {"metadata", metadata}};
  write_file_atomically(path, checkpoint.dump() + "\n");
}

CheckpointInfo load_checkpoint(const std::string& path, Module& module, Optimizer& optimizer, Generator& generator) {
  Json j = read_json_file(path);
  // Fields are type-checked before they are read, so a wrong type is reported, not thrown as
  // nlohmann's type_error.
  auto string_field = [](const Json& object, const char* key) {
    return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : std::string();
  };
  if (!j.is_object() || string_field(j, "format") != kFormat) reject(path, "\"format\" must be \"xtgrad-checkpoint\"");
  if (!j.contains("version") || j["version"] != 1) reject(path, "only checkpoint version 1 is supported");
  if (!j.contains("epoch") || !j["epoch"].is_number_integer()) reject(path, "\"epoch\" must be an integer");
  if (!j.contains("optimizer") || !j["optimizer"].is_object()) reject(path, "\"optimizer\" is missing");
  const Json& opt = j["optimizer"];
  std::string type = optimizer_type(optimizer);
  if (string_field(opt, "type") != type)
    reject(path, "the checkpoint holds " + (string_field(opt, "type").empty() ? "no" : string_field(opt, "type")) +
                     " state but the optimizer is " + type);
  if (!opt.contains("options") || opt["options"] != optimizer_options(optimizer))
    reject(path, "the optimizer's settings " + optimizer_options(optimizer).dump() + " differ from the checkpoint's " +
                     (opt.contains("options") ? opt["options"].dump() : "(none)"));
  if (!opt.contains("lr") || !opt["lr"].is_number() || opt["lr"].get<double>() < 0.0)
    reject(path, "optimizer.lr must be a number >= 0");
  const std::vector<Tensor> params = optimizer.params();
  if (!opt.contains("state") || !opt["state"].is_array() || opt["state"].size() != params.size())
    reject(path, "optimizer.state must hold one entry per parameter (" + std::to_string(params.size()) + ")");

  // Stage everything; restore only when all of it is valid.
  std::vector<std::string> problems;
  std::vector<std::optional<AdamState>> adam_states(params.size());
  std::vector<std::optional<Array>> buffers(params.size());
  auto* adam = dynamic_cast<Adam*>(&optimizer);
  for (std::size_t k = 0; k < params.size(); ++k) {
    const Json& entry = opt["state"][k];
    std::string where = "optimizer.state[" + std::to_string(k) + "]";
    if (!entry.is_object()) {
      problems.push_back(where + " must be an object");
      continue;
    }
    if (adam) {
      AdamState s;
      if (!entry.contains("step") || !entry["step"].is_number_unsigned()) {
        problems.push_back(where + ".step must be a non-negative integer");
        continue;
      }
      s.step = entry["step"].get<std::int64_t>();
      if (s.step == 0) continue;
      bool amsgrad = static_cast<const AdamOptions&>(adam->param_groups()[0].options()).amsgrad();
      tensor_from_json(entry.value("exp_avg", Json()), where + ".exp_avg", params[k].shape(), s.exp_avg, problems);
      tensor_from_json(entry.value("exp_avg_sq", Json()), where + ".exp_avg_sq", params[k].shape(), s.exp_avg_sq, problems);
      if (amsgrad)
        tensor_from_json(entry.value("max_exp_avg_sq", Json()), where + ".max_exp_avg_sq", params[k].shape(),
                         s.max_exp_avg_sq, problems);
      adam_states[k] = std::move(s);
    } else if (entry.contains("momentum_buffer")) {
      Array buffer;
      if (tensor_from_json(entry["momentum_buffer"], where + ".momentum_buffer", params[k].shape(), buffer, problems))
        buffers[k] = std::move(buffer);
    }
  }
  Generator restored;
  try {
    restored.set_state(string_field(j, "generator"));
  } catch (const std::invalid_argument&) {
    problems.push_back("\"generator\" is not a generator state");
  }
  if (!problems.empty()) {
    std::string all;
    for (const std::string& p : problems) all += (all.empty() ? "" : "; ") + p;
    reject(path, all);
  }
  if (!j.contains("weights")) reject(path, "\"weights\" is missing");
  load_weights_json(module, j["weights"], true, path);  // validates fully before changing the module

  optimizer.param_group(0).options().set_lr(opt["lr"].get<double>());
  if (adam) {
    adam->mutable_state() = std::move(adam_states);
  } else {
    auto& sgd = dynamic_cast<SGD&>(optimizer);
    for (std::size_t k = 0; k < params.size(); ++k)
      if (buffers[k]) sgd.set_momentum_buffer(k, std::move(*buffers[k]));
  }
  generator = restored;
  return {j["epoch"].get<std::int64_t>(), j.contains("metadata") ? j["metadata"] : Json::object()};
}

}  // namespace xtgrad
