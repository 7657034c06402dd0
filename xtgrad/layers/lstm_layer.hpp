// One LSTM layer over a whole sequence as a single fused op (PyTorch's equations and layout).
#pragma once

#include <optional>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

struct LSTMLayerResult {
  Tensor output;  ///< every h_t, [T, B, H]
  Tensor h_n;     ///< the last h, [B, H]
  Tensor c_n;     ///< the last c, [B, H]
};

/// i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(…), g = tanh(…), o = σ(…) (gate blocks i, f, g, o
/// in the rows of the weights); c' = f⊙c + i⊙g; h' = o⊙tanh(c').
/// x [T, B, I], h0 and c0 [B, H], weight_ih [4H, I], weight_hh [4H, H], biases [4H] (both or neither).
/// The input projection of all steps is one GEMM, each step one [B, H]×[H, 4H] GEMM plus one
/// fused pass for the gates and the cell; backward is hand-written BPTT, one tape entry in all.
/// `reverse` runs the steps from t = T − 1 down to 0 (the backward direction of a bidirectional
/// LSTM): output stays in time order, h_n and c_n are then the states after step t = 0.
LSTMLayerResult lstm_layer(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& weight_ih,
                           const Tensor& weight_hh, const std::optional<Tensor>& bias_ih = std::nullopt,
                           const std::optional<Tensor>& bias_hh = std::nullopt, bool reverse = false);

}  // namespace xtgrad

XTGRAD_API_END
