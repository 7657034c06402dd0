// What the fused recurrent layers (lstm_layer, gru_layer) share: their shape checks, the input
// projection of all steps as one GEMM, the order of the steps in either direction, and the
// backward GEMMs for the input, both weights and both biases.
#pragma once

#include <optional>
#include <vector>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad::detail {

/// The time index of the s-th step processed: s going forward, T − 1 − s in reverse.
inline std::size_t step_time(std::size_t s, std::size_t steps, bool reverse) { return reverse ? steps - 1 - s : s; }

/// x [T, B, I] (T > 0; B = 0 gives empty outputs), weight_ih [G·H, I], weight_hh [G·H, H], each
/// state [B, H], biases [G·H] (both or neither), where G is the number of gate blocks (4 for the LSTM, 3 for the GRU).
void check_recurrent_layer(const char* op, std::size_t gates, const Tensor& x, const std::vector<Tensor>& states,
                           const char* state_names, const Tensor& weight_ih, const Tensor& weight_hh,
                           const std::optional<Tensor>& bias_ih, const std::optional<Tensor>& bias_hh);

/// pre [T·B, G·H] = x W_ihᵀ + bias, bias being G·H values added to every row (or null: none).
void project_inputs(const Tensor& x, const Tensor& weight_ih, const float* bias, float* pre);

/// The backward of both projections, from the pre-activation gradients of every step (rows in
/// time order): d_ih [T·B, G·H] for x W_ihᵀ + b_ih and d_hh for h_{t−1} W_hhᵀ + b_hh (the LSTM
/// passes the same array twice). Inputs of the op: x at 0, h0 at `h0_input`, weight_ih at
/// `weight_input`, weight_hh right after it, then both biases if any. The hidden states h_t are
/// the op's output 0; h_{t−1} is the step before in the direction given.
void recurrent_input_and_weight_grads(BackwardContext& ctx, const float* d_ih, const float* d_hh, std::size_t h0_input,
                                      std::size_t weight_input, bool reverse);

}  // namespace xtgrad::detail

XTGRAD_API_END
