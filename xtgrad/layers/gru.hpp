// GRUCell and GRU with PyTorch's shapes, parameter names, equations and initialisation.
#pragma once

#include <optional>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/recurrent.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// One step. Parameters weight_ih [3H, I], weight_hh [3H, H], bias_ih [3H], bias_hh [3H], gate
/// blocks r, z, n; all drawn from U(−1/√H, 1/√H). h' = (1 − z)⊙n + z⊙h with
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
class GRUCell : public RecurrentCell {
 public:
  explicit GRUCell(const GRUCellOptions& options);
  GRUCell(const GRUCellOptions& options, Generator& gen);
  static std::shared_ptr<GRUCell> from_config(const Value& config);

  /// input [B, I], h [B, H] or zeros -> h' [B, H].
  Tensor forward(const Tensor& input, const std::optional<Tensor>& h);
  Tensor forward(const Tensor& input) override { return forward(input, std::nullopt); }
  std::string type_name() const override { return "GRUCell"; }
};

struct GRUOutput {
  Tensor output;  ///< every h_t of the last layer: [T, B, D·H], [B, T, D·H] with batch_first, [T, D·H] unbatched
  Tensor h_n;     ///< [num_layers · D, B, H] (unbatched: [num_layers · D, H]): layer by layer, forward then reverse
};

/// Stacked, optionally bidirectional GRU (D = 2 directions with bidirectional, else 1). Per
/// layer k: weight_ih_l{k} [3H, I] (k = 0) or [3H, D·H], weight_hh_l{k} [3H, H], bias_ih_l{k},
/// bias_hh_l{k} [3H], and the same with "_reverse" for the backward direction. Each layer and
/// direction runs as one fused op (gru_layer).
class GRU : public RecurrentStack {
 public:
  explicit GRU(const GRUOptions& options);
  GRU(const GRUOptions& options, Generator& gen);
  static std::shared_ptr<GRU> from_config(const Value& config);

  /// input [T, B, I] ([B, T, I] with batch_first), h0 [num_layers · D, B, H] or zeros; or one
  /// unbatched sequence [T, I] whatever batch_first says, with h0 [num_layers · D, H], as PyTorch's.
  GRUOutput forward(const Tensor& input, const std::optional<Tensor>& h0);
  Tensor forward(const Tensor& input) override { return forward(input, std::nullopt).output; }
  std::string type_name() const override { return "GRU"; }
  /// Only h_n: skips rearranging the output sequence for batch_first.
  Tensor forward_state(const Tensor& input, const std::optional<Tensor>& h0);

 protected:
  std::vector<Tensor> run_layer(const Tensor& x, const std::vector<Tensor>& state, std::size_t index,
                                bool reverse) override;
};

}  // namespace xtgrad

XTGRAD_API_END
