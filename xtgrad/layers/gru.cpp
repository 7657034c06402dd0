// GRU modules on top of the fused gru_layer op.
#include "xtgrad/layers/gru.hpp"

#include "xtgrad/core/ops.hpp"
#include "xtgrad/layers/gru_layer.hpp"

namespace xtgrad {

GRUCell::GRUCell(const GRUCellOptions& options) : GRUCell(options, default_generator()) {}

GRUCell::GRUCell(const GRUCellOptions& options, Generator& gen) : RecurrentCell("GRUCell", 3, options, gen) {}

std::shared_ptr<GRUCell> GRUCell::from_config(const Value& config) {
  return std::make_shared<GRUCell>(options_from(config));
}

Tensor GRUCell::forward(const Tensor& input, const std::optional<Tensor>& h) {
  // One step is a GRU layer over a sequence of length 1.
  Tensor x = as_one_step(input);
  Tensor h0 = state_or_zeros(h, input, "h");
  return as_input_had_it(has_bias ? gru_layer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh).h_n
                                  : gru_layer(x, h0, weight_ih, weight_hh).h_n,
                         input);
}

GRU::GRU(const GRUOptions& options) : GRU(options, default_generator()) {}

GRU::GRU(const GRUOptions& options, Generator& gen) : RecurrentStack("GRU", 3, options, gen) {}

std::shared_ptr<GRU> GRU::from_config(const Value& config) { return std::make_shared<GRU>(options_from(config)); }

std::vector<Tensor> GRU::run_layer(const Tensor& x, const std::vector<Tensor>& state, std::size_t index, bool reverse) {
  std::optional<Tensor> b_ih, b_hh;
  if (has_bias) b_ih = bias_ih[index], b_hh = bias_hh[index];
  GRULayerResult r = gru_layer(x, state[0], weight_ih[index], weight_hh[index], b_ih, b_hh, reverse);
  return {r.output, r.h_n};
}

GRUOutput GRU::forward(const Tensor& input, const std::optional<Tensor>& h0) {
  Result r = run(input, h0 ? std::vector<Tensor>{*h0} : std::vector<Tensor>{}, 1, "h0");
  return {in_input_layout(r.output), r.state[0]};
}

Tensor GRU::forward_state(const Tensor& input, const std::optional<Tensor>& h0) {
  return run(input, h0 ? std::vector<Tensor>{*h0} : std::vector<Tensor>{}, 1, "h0").state[0];
}

}  // namespace xtgrad
