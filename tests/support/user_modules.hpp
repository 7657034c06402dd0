// A user's own module two levels deep, for the state-dict, registry and file round-trip tests:
// Outer holds a buffer, a Block (a Linear and two buffers, one not persistent) and a Sequential head.
#pragma once

#include "xtgrad/xtgrad.hpp"

namespace xtgrad::testing {

// A user's module two levels deep: Outer holds a buffer, a Block (a Linear and two buffers,
// one not persistent) and a Sequential head.
struct Block : Module {
  std::shared_ptr<Linear> fc;
  Tensor scale, calls;
  std::size_t in, out;
  Block(std::size_t in_features, std::size_t out_features) : in(in_features), out(out_features) {
    fc = register_module("fc", std::make_shared<Linear>(in, out));
    scale = register_buffer("scale", full({out}, 2.0f));
    calls = register_buffer("calls", zeros({1}), /*persistent=*/false);
  }
  static std::shared_ptr<Block> from_config(const Value& c) {
    return std::make_shared<Block>(c.get_int_in("in", 1, 1024), c.get_int_in("out", 1, 1024));
  }
  Value config() const override {
    Value c = Value::dict();
    c["in"] = in;
    c["out"] = out;
    return c;
  }
  Tensor forward(const Tensor& x) override { return relu((*fc)(x)) * Tensor(scale.value()); }
  std::string type_name() const override { return "TestBlock"; }
};

struct Outer : Module {
  Tensor offset = register_buffer("offset", full({1}, 0.25f));
  std::shared_ptr<Block> block;
  std::shared_ptr<Sequential> head;
  std::size_t features, hidden;
  Outer(std::size_t features_, std::size_t hidden_) : features(features_), hidden(hidden_) {
    block = register_module("block", std::make_shared<Block>(features, hidden));
    head = register_module("head", std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                                       std::make_shared<Linear>(hidden, 1)}));
  }
  static std::shared_ptr<Outer> from_config(const Value& c) {
    return std::make_shared<Outer>(c.get_int_in("features", 1, 1024), c.get_int_in("hidden", 1, 1024));
  }
  Value config() const override {
    Value c = Value::dict();
    c["features"] = features;
    c["hidden"] = hidden;
    return c;
  }
  Tensor forward(const Tensor& x) override { return (*head)((*block)(x)) + Tensor(offset.value()); }
  std::string type_name() const override { return "TestOuter"; }
  std::optional<InputSpec> input_spec() const override { return InputSpec{features, false}; }
};

/// Registers both under their type names (idempotent).
inline void register_user_modules() {
  register_module_type<Block>("TestBlock");
  register_module_type<Outer>("TestOuter");
}

}  // namespace xtgrad::testing
