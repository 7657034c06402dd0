// The module type registry, with the library's own layers registered on first use (so that a
// static library's linker cannot drop them, as it would self-registering globals).
#include "xtgrad/layers/registry.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

#include "xtgrad/layers/activation.hpp"
#include "xtgrad/layers/dropout.hpp"
#include "xtgrad/layers/embedding.hpp"
#include "xtgrad/layers/gru.hpp"
#include "xtgrad/layers/linear.hpp"
#include "xtgrad/layers/lstm.hpp"
#include "xtgrad/layers/normalization.hpp"
#include "xtgrad/layers/sequence_classifier.hpp"
#include "xtgrad/layers/sequential.hpp"
#include "xtgrad/layers/shape_modules.hpp"

namespace xtgrad {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, ModuleFactory> factories;

  Registry() {
    factories["Linear"] = [](const Value& d) { return Linear::from_config(d); };
    factories["ReLU"] = [](const Value&) { return std::make_shared<ReLU>(); };
    factories["Tanh"] = [](const Value&) { return std::make_shared<Tanh>(); };
    factories["Sigmoid"] = [](const Value&) { return std::make_shared<Sigmoid>(); };
    factories["SiLU"] = [](const Value&) { return std::make_shared<SiLU>(); };
    factories["LeakyReLU"] = [](const Value& d) { return LeakyReLU::from_config(d); };
    factories["ELU"] = [](const Value& d) { return ELU::from_config(d); };
    factories["GELU"] = [](const Value& d) { return GELU::from_config(d); };
    factories["Softplus"] = [](const Value& d) { return Softplus::from_config(d); };
    factories["Hardtanh"] = [](const Value& d) { return Hardtanh::from_config(d); };
    factories["Softmax"] = [](const Value& d) { return Softmax::from_config(d); };
    factories["LogSoftmax"] = [](const Value& d) { return LogSoftmax::from_config(d); };
    factories["Identity"] = [](const Value&) { return std::make_shared<Identity>(); };
    factories["Flatten"] = [](const Value& d) { return Flatten::from_config(d); };
    factories["Dropout"] = [](const Value& d) { return Dropout::from_config(d); };
    factories["LayerNorm"] = [](const Value& d) { return LayerNorm::from_config(d); };
    factories["BatchNorm1d"] = [](const Value& d) { return BatchNorm1d::from_config(d); };
    factories["Embedding"] = [](const Value& d) { return Embedding::from_config(d); };
    factories["Sequential"] = [](const Value& d) { return Sequential::from_config(d); };
    factories["LSTMCell"] = [](const Value& d) { return LSTMCell::from_config(d); };
    factories["LSTM"] = [](const Value& d) { return LSTM::from_config(d); };
    factories["LSTMClassifier"] = [](const Value& d) { return LSTMClassifier::from_config(d); };
    factories["GRUCell"] = [](const Value& d) { return GRUCell::from_config(d); };
    factories["GRU"] = [](const Value& d) { return GRU::from_config(d); };
    factories["SequenceClassifier"] = [](const Value& d) { return SequenceClassifier::from_config(d); };
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void register_module_type(const std::string& type, ModuleFactory factory) {
  if (type.empty() || !factory) throw std::invalid_argument("register_module_type: needs a type name and a factory");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.factories[type] = std::move(factory);
}

std::vector<std::string> registered_module_types() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& entry : r.factories) names.push_back(entry.first);
  return names;
}

Value describe(const Module& module) {
  Value description = Value::dict();
  description["type"] = module.type_name();
  Value config = module.config();
  for (auto& [key, value] : config.as_dict()) {
    if (key == "type") throw std::logic_error(module.type_name() + "::config() must not hold a key named 'type'");
    description[key] = std::move(value);
  }
  return description;
}

std::shared_ptr<Module> build_module(const Value& description) {
  if (!description.is_dict())
    throw std::invalid_argument("a module description must be an object, got " + std::string(description.kind_name()));
  std::string type = description.get_string("type");
  ModuleFactory factory;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto found = r.factories.find(type);
    if (found != r.factories.end()) factory = found->second;
  }
  if (!factory)
    throw std::invalid_argument("unknown module type '" + type + "' (registered: " + joined(registered_module_types()) +
                                "); a module of your own is registered once before loading with "
                                "xtgrad::register_module_type<" +
                                type + ">(\"" + type + "\")");
  std::shared_ptr<Module> module = factory(description);
  if (!module) throw std::logic_error("the factory registered for '" + type + "' returned no module");
  if (module->type_name() != type)
    throw std::logic_error("the factory registered for '" + type + "' built a " + module->type_name());
  return module;
}

}  // namespace xtgrad
