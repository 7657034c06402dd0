// Checkpoints as one JSON file. Each part is parsed into a Value first; then the parts are
// restored one by one, and if one refuses its state, those already restored are put back.
#include "xtgrad/io/checkpoint.hpp"

#include <functional>
#include <stdexcept>

#include "xtgrad/io/detail/atomic_file.hpp"
#include "xtgrad/io/value_json.hpp"

namespace xtgrad {
namespace {

constexpr const char* kFormat = "xtgrad-checkpoint";
constexpr int kVersion = 2;

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string type_of(const Json& part) {
  return part.is_object() && part.contains("type") && part["type"].is_string() ? part["type"].get<std::string>() : "";
}

// One restorable part: its new state is applied by `apply`; `undo` puts back the state it had.
struct Restore {
  std::function<void()> apply;
  std::function<void()> undo;
};

}  // namespace

namespace {
void check_more_generators(const char* op, const Checkpoint& c) {
  for (std::size_t i = 0; i < c.more_generators.size(); ++i)
    if (!c.more_generators[i])
      throw std::invalid_argument(std::string(op) + ": more_generators[" + std::to_string(i) + "] is null");
}
}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  if (!c.model) throw std::invalid_argument("save_checkpoint: a checkpoint needs a model");
  check_more_generators("save_checkpoint", c);
  Json schedulers = Json::array();
  for (const Scheduler* s : c.schedulers)
    schedulers.push_back({{"type", s->type_name()}, {"state", to_json(s->state_dict(), s->type_name())}});
  Json j = {{"format", kFormat},
            {"version", kVersion},
            {"epoch", c.epoch},
            {"step", c.step},
            {"weights", weights_to_json(*c.model)}};
  if (c.optimizer)
    j["optimizer"] = {{"type", c.optimizer->type_name()}, {"state", to_json(c.optimizer->state_dict(), "optimizer")}};
  j["schedulers"] = schedulers;
  if (c.generator) j["generator"] = c.generator->state();
  if (!c.more_generators.empty()) {
    j["generators"] = Json::array();
    for (const Generator* g : c.more_generators) j["generators"].push_back(g->state());
  }
  j["metadata"] = c.metadata.is_null() ? Json::object() : c.metadata;
  write_file_atomically(path, j.dump() + "\n");
}

void load_checkpoint(const std::string& path, Checkpoint& c) {
  if (!c.model) throw std::invalid_argument("load_checkpoint: a checkpoint needs a model");
  check_more_generators("load_checkpoint", c);
  Json j = read_json_file(path);
  auto reject = [&path](const std::string& why) { throw std::invalid_argument(path + ": " + why); };
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormat)
    reject("\"format\" must be \"xtgrad-checkpoint\"");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] != kVersion)
    reject("\"version\" must be the number 2, got " +
           (j.contains("version") ? j["version"].dump() : std::string("nothing")) +
           " (checkpoints of version 1, written before optimizers had parameter groups, cannot be resumed)");

  // Everything the file must hold for these objects, checked before anything changes.
  std::vector<std::string> problems;
  for (const char* key : {"epoch", "step"}) {
    if (!j.contains(key) || !j[key].is_number_integer())
      problems.push_back(std::string("\"") + key + "\" must be an integer");
    else if (j[key].is_number_unsigned() && j[key].get<std::uint64_t>() > std::uint64_t{INT64_MAX})
      problems.push_back(std::string("\"") + key + "\" must fit a signed 64-bit integer, got " + j[key].dump());
  }
  if (!j.contains("weights")) problems.push_back("\"weights\" is missing");
  std::optional<Value> optimizer_state;
  if (c.optimizer) {
    const Json* part = j.contains("optimizer") ? &j["optimizer"] : nullptr;
    if (!part || type_of(*part) != c.optimizer->type_name())
      problems.push_back("the checkpoint holds " +
                         (part ? type_of(*part).empty() ? "no valid" : type_of(*part) : "no") +
                         " optimizer state but the optimizer is " + c.optimizer->type_name());
    else if (!part->contains("state")) problems.push_back("optimizer.state is missing");
    else try {
        optimizer_state = value_from_json((*part)["state"], "optimizer.state");
      } catch (const std::invalid_argument& e) {
        problems.push_back(e.what());
      }
  }
  std::vector<Value> scheduler_states;
  const Json& saved = j.contains("schedulers") && j["schedulers"].is_array() ? j["schedulers"] : Json::array();
  if (saved.size() != c.schedulers.size()) {
    problems.push_back("the checkpoint holds " + std::to_string(saved.size()) + " schedulers but " +
                       std::to_string(c.schedulers.size()) + " were given");
  } else {
    for (std::size_t i = 0; i < saved.size(); ++i) {
      std::string where = "schedulers[" + std::to_string(i) + "]";
      if (type_of(saved[i]) != c.schedulers[i]->type_name()) {
        problems.push_back(where + " is " + (type_of(saved[i]).empty() ? "not a scheduler" : type_of(saved[i])) +
                           " but the scheduler given is " + c.schedulers[i]->type_name());
        continue;
      }
      try {
        scheduler_states.push_back(value_from_json(saved[i].value("state", Json()), where + ".state"));
      } catch (const std::invalid_argument& e) {
        problems.push_back(e.what());
      }
    }
  }
  auto read_generator = [&problems](const Json* state, const std::string& where, Generator& into) {
    try {
      if (!state || !state->is_string()) throw std::invalid_argument("");
      into.set_state(state->get<std::string>());
    } catch (const std::invalid_argument&) {
      problems.push_back(where + " is not a generator state");
    }
  };
  Generator generator;
  if (c.generator) read_generator(j.contains("generator") ? &j["generator"] : nullptr, "\"generator\"", generator);
  const Json& more = j.contains("generators") && j["generators"].is_array() ? j["generators"] : Json::array();
  std::vector<Generator> more_generators(c.more_generators.size());
  if (more.size() != c.more_generators.size())
    problems.push_back("the checkpoint holds " + std::to_string(more.size()) + " more generators but " +
                       std::to_string(c.more_generators.size()) + " were given");
  else
    for (std::size_t i = 0; i < more.size(); ++i)
      read_generator(&more[i], "generators[" + std::to_string(i) + "]", more_generators[i]);
  if (j.contains("metadata") && !j["metadata"].is_object()) problems.push_back("\"metadata\" must be an object");
  if (!problems.empty()) reject(join(problems));

  // Restore part by part; each validates its own state before changing anything, and if one
  // refuses, the parts already restored get their earlier state back.
  std::vector<Restore> parts;
  NamedTensors model_before;
  for (const auto& [name, t] : c.model->state_dict()) model_before.emplace_back(name, Tensor(t.value()));
  parts.push_back({[&] { load_weights_json(*c.model, j["weights"], true, path); },
                   [&] { c.model->load_state_dict(model_before); }});
  if (c.optimizer) {
    Value before = c.optimizer->state_dict();
    parts.push_back({[&] { c.optimizer->load_state_dict(*optimizer_state); },
                     [&c, before] { c.optimizer->load_state_dict(before); }});
  }
  for (std::size_t i = 0; i < c.schedulers.size(); ++i) {
    Value before = c.schedulers[i]->state_dict();
    Scheduler* s = c.schedulers[i];
    parts.push_back({[s, &scheduler_states, i] { s->load_state_dict(scheduler_states[i]); },
                     [s, before] { s->load_state_dict(before); }});
  }
  std::size_t done = 0;
  try {
    for (; done < parts.size(); ++done) parts[done].apply();
  } catch (const std::invalid_argument& e) {
    while (done > 0) parts[--done].undo();
    std::string why = e.what();
    if (why.rfind(path + ": ", 0) == 0) throw;  // the weights loader names the file already
    reject(why);
  }
  if (c.generator) *c.generator = generator;
  for (std::size_t i = 0; i < c.more_generators.size(); ++i) *c.more_generators[i] = more_generators[i];
  c.epoch = j["epoch"].get<std::int64_t>();
  c.step = j["step"].get<std::int64_t>();
  c.metadata = j.contains("metadata") ? j["metadata"] : Json::object();
}

}  // namespace xtgrad
