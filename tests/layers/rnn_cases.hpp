// Runs one case of tests/fixtures/rnn.json (tools/make_rnn_fixtures.py): an LSTM or GRU built
// through the registry from the case's description, its outputs, final states and every
// gradient against PyTorch's.
#pragma once

#include "layers/layer_fixtures.hpp"

namespace xtgrad::testing {

inline const Json& rnn_cases(const std::string& key) { return fixture_cases("rnn.json", key); }

inline std::optional<Tensor> optional_tensor(const Json& j) {
  if (j.is_null()) return std::nullopt;
  return to_tensor(j, true);
}

/// Σ u⊙y over several outputs: its gradient is what torch.autograd.backward(ys, us) computes.
inline Tensor weighted_sum(const std::vector<std::pair<Tensor, Array>>& terms) {
  Tensor total = scalar(0.0f);
  for (const auto& [y, u] : terms) total = total + sum(y * Tensor(u));
  return total;
}

inline void check_sequence_case(const Json& c) {
  CAPTURE(c.at("module").dump());
  std::shared_ptr<Module> module = build_case_module(c);
  load_parameters(*module, c.at("params"));
  Tensor x = to_tensor(c.at("input"), true);
  std::optional<Tensor> h0 = optional_tensor(c.at("h0"));
  Tensor output, h_n;
  std::vector<std::pair<Tensor, Array>> terms;
  std::optional<Tensor> c0;
  if (auto* lstm = dynamic_cast<LSTM*>(module.get())) {
    c0 = optional_tensor(c.at("c0"));
    LSTMOutput out = lstm->forward(x, h0 ? std::optional<LSTMState>(LSTMState{*h0, *c0}) : std::nullopt);
    output = out.output, h_n = out.state.h;
    CHECK_ALL_CLOSE(out.state.c.value(), to_array(c.at("c_n")));
    terms.emplace_back(out.state.c, to_array(c.at("upstream_c_n")));
  } else {
    GRUOutput out = dynamic_cast<GRU&>(*module).forward(x, h0);
    output = out.output, h_n = out.h_n;
  }
  CHECK_ALL_CLOSE(output.value(), to_array(c.at("output")));
  CHECK_ALL_CLOSE(h_n.value(), to_array(c.at("h_n")));
  terms.emplace_back(output, to_array(c.at("upstream_output")));
  terms.emplace_back(h_n, to_array(c.at("upstream_h_n")));
  weighted_sum(terms).backward();
  CHECK_ALL_CLOSE(x.grad(), to_array(c.at("grad_input")));
  if (h0) CHECK_ALL_CLOSE(h0->grad(), to_array(c.at("grad_h0")));
  if (c0) CHECK_ALL_CLOSE(c0->grad(), to_array(c.at("grad_c0")));
  check_parameter_grads(*module, c.at("grads"));
}

}  // namespace xtgrad::testing
