// One GRU layer over a whole sequence as a single fused op (PyTorch's equations and layout).
#pragma once

#include <optional>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

struct GRULayerResult {
  Tensor output;  ///< every h_t, [T, B, H], in time order
  Tensor h_n;     ///< the last h, [B, H]
};

/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h (gate blocks r, z, n
/// in the rows of the weights). x [T, B, I], h0 [B, H], weight_ih [3H, I], weight_hh [3H, H],
/// biases [3H] (both or neither). The input projection of all steps is one GEMM, each step one
/// [B, H]×[H, 3H] GEMM plus one fused pass for the gates; backward is hand-written BPTT, one tape
/// entry in all. `reverse` runs the steps from t = T − 1 down to 0 (a bidirectional GRU's
/// backward direction): output stays in time order, h_n is then the state after step t = 0.
GRULayerResult gru_layer(const Tensor& x, const Tensor& h0, const Tensor& weight_ih, const Tensor& weight_hh,
                         const std::optional<Tensor>& bias_ih = std::nullopt,
                         const std::optional<Tensor>& bias_hh = std::nullopt, bool reverse = false);

}  // namespace xtgrad

XTGRAD_API_END
