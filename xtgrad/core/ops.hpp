// The differentiable ops. Binary ops broadcast as NumPy does; each op's backward sums the
// gradient back to each input's shape. Bad shapes or arguments throw std::invalid_argument
// naming the op and the shapes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

// Elementwise arithmetic (ops_elementwise.cpp). Gradients: d(a+b) = (g, g), d(a-b) = (g, -g),
// d(a*b) = (g*b, g*a), d(a/b) = (g/b, -g*a/b²).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float b);
Tensor sub(const Tensor& a, float b);
Tensor sub(float a, const Tensor& b);
Tensor mul(const Tensor& a, float b);
Tensor div(const Tensor& a, float b);
Tensor div(float a, const Tensor& b);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor pow(const Tensor& a, float exponent);  ///< gradient p·a^(p−1)·g
Tensor abs(const Tensor& a);                  ///< gradient sign(a)·g, 0 at 0
/// min(max(a, low), high), NaN kept: low > high makes every element high, as PyTorch documents;
/// the gradient passes where low <= a <= high (as in PyTorch).
Tensor clamp(const Tensor& a, float low, float high);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(const Tensor& a, float b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(const Tensor& a, float b);
Tensor operator*(float a, const Tensor& b);
Tensor operator/(const Tensor& a, float b);
Tensor operator/(float a, const Tensor& b);
Tensor operator-(const Tensor& a);

// Activations (ops_activation.cpp), all stable for inputs of any size.
/// σ(z) in the two-branch form: σ(−1000) = 0 and σ(1000) = 1 exactly; gradient σ(1−σ)·g
/// from the saved output.
Tensor sigmoid(const Tensor& a);
Tensor tanh(const Tensor& a);         ///< gradient (1 − tanh²)·g from the saved output
Tensor relu(const Tensor& a);         ///< gradient g except where relu(a) <= 0 (NaN passes, as PyTorch)
Tensor softplus(const Tensor& a);     ///< log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|); gradient σ(z)·g
Tensor log_sigmoid(const Tensor& a);  ///< log σ(z) = −softplus(−z); gradient σ(−z)·g
/// x where x > 0, negative_slope·x elsewhere; gradient g or negative_slope·g.
Tensor leaky_relu(const Tensor& a, float negative_slope = 0.01f);
/// x where x > 0, α(eˣ − 1) elsewhere; gradient g or α·eˣ·g.
Tensor elu(const Tensor& a, float alpha = 1.0f);
/// GELU: the exact x·Φ(x) (Φ the standard normal CDF, through erf), or PyTorch's
/// approximate='tanh' form x/2·(1 + tanh(√(2/π)(x + 0.044715x³))); gradient from the input.
enum class GeluApproximation { None, Tanh };
Tensor gelu(const Tensor& a, GeluApproximation approximate = GeluApproximation::None);
Tensor silu(const Tensor& a);  ///< x·σ(x); gradient σ(x)(1 + x(1 − σ(x)))·g
/// log(1 + e^(βx))/β, and x itself where βx > threshold (as PyTorch); gradient σ(βx)·g (g past
/// the threshold).
Tensor softplus(const Tensor& a, float beta, float threshold = 20.0f);
/// Clamps to [min_val, max_val]; gradient g strictly inside, 0 at and beyond the bounds.
Tensor hardtanh(const Tensor& a, float min_val = -1.0f, float max_val = 1.0f);

// Reductions (ops_reduce.cpp). `axis` may be negative (counts from the end).
Tensor sum(const Tensor& a);  ///< 0-d result
Tensor sum(const Tensor& a, std::int64_t axis, bool keepdims = false);
Tensor mean(const Tensor& a);  ///< NaN over no elements, as PyTorch
Tensor mean(const Tensor& a, std::int64_t axis, bool keepdims = false);
/// Maximum along an axis; the gradient goes to the first maximal element.
Tensor max(const Tensor& a, std::int64_t axis, bool keepdims = false);
Tensor min(const Tensor& a, std::int64_t axis, bool keepdims = false);  ///< as max, for the minimum

// Matrix products (ops_matmul.cpp), through the GEMM backend.
/// torch.matmul's rules: [k] @ [k] -> [] (dot product); [m, k] @ [k, n] -> [m, n]; a 1-D a is
/// a row [1, k] and a 1-D b a column [k, 1], that dimension dropped from the result
/// ([k] @ [k, n] -> [n], [m, k] @ [k] -> [m]); batched [*a, m, k] @ [*b, k, n] -> [*, m, n] with
/// the batch dims broadcast (e.g. [2, 1, 3, 4] @ [5, 4, 6] -> [2, 5, 3, 6]), one GEMM per
/// product, or one in all when b has a single matrix. Gradients g bᵀ and aᵀ g per product,
/// summed over the batch dims each operand was broadcast along.
Tensor matmul(const Tensor& a, const Tensor& b);
/// y = x Wᵀ + b as one op: x [*, in], weight [out, in], bias [out] -> [*, out]; the leading
/// dims of x are one batch of n rows (a 1-D x [in] gives [out]). Gradients: dx = g W,
/// dW = gᵀ x, db = Σ_rows g, each accumulated in place by the GEMM. As F.linear, a weight [in]
/// gives [*] (matmul), and a bias [] (or any that broadcasts to the output) is added after.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);
Tensor linear(const Tensor& x, const Tensor& weight);

// Shape ops (ops_shape.cpp).
Tensor transpose(const Tensor& a);  ///< 2-D: [m, n] -> [n, m]; 0-D and 1-D as they are (torch.t)
Tensor transpose(const Tensor& a, std::int64_t dim0, std::int64_t dim1);
/// New shape with the same number of elements; one entry may be −1 (inferred).
Tensor reshape(const Tensor& a, const std::vector<std::int64_t>& shape);
/// Elements [start, start + length) along `dim`.
Tensor narrow(const Tensor& a, std::int64_t dim, std::size_t start, std::size_t length);
/// Elements [start, end) along `dim`, as Python's a[..., start:end]: both clamped to the extent,
/// empty when end <= start.
Tensor slice(const Tensor& a, std::int64_t dim, std::size_t start, std::size_t end);
/// Joins along an existing dimension; all other extents must match. As torch.cat, 1-D tensors of
/// no elements are skipped (their gradient is empty), so an accumulator can start as zeros({0}).
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim);
/// Joins along a new dimension; all shapes must be equal.
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim);

// Index tensors: xtgrad's tensors are float32 only, so indices (class labels, argmax results,
// the rows gather and index_select pick) are float tensors holding exact whole numbers. Ops that
// read them check that every value is whole and in range, naming the op and the value.

// More reductions (ops_reduce.cpp, ops_statistics.cpp). NaN counts as the extreme, as in PyTorch.
struct ValuesAndIndices {
  Tensor values;   ///< differentiable: the gradient goes to the first extreme element of each slice
  Tensor indices;  ///< positions along `dim` (an index tensor, no gradient)
};
ValuesAndIndices max_with_indices(const Tensor& a, std::int64_t dim, bool keepdim = false);
ValuesAndIndices min_with_indices(const Tensor& a, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& a, std::int64_t dim, bool keepdim = false);  ///< first maximum's position
Tensor argmin(const Tensor& a, std::int64_t dim, bool keepdim = false);
/// Sum or mean over several dims at once (negative dims count from the end; an empty list
/// means all dims). Backward spreads g (divided by the count for mean) over the reduced dims.
Tensor sum(const Tensor& a, const std::vector<std::int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& a, const std::vector<std::int64_t>& dims, bool keepdim = false);
/// The same for a braced list, so that sum(x, {}) and mean(x, {}) reduce all dims as PyTorch's
/// dim=[] does (without these, {} would convert to the single-axis overload's axis 0).
Tensor sum(const Tensor& a, std::initializer_list<std::int64_t> dims, bool keepdim = false);
Tensor mean(const Tensor& a, std::initializer_list<std::int64_t> dims, bool keepdim = false);
/// Σ(x − mean)² / max(0, N − correction) over `dims` (correction 1: the unbiased estimate, as
/// PyTorch's default; 0: the population variance). Gradient 2(x − mean)/(N − correction)·g.
Tensor var(const Tensor& a, const std::vector<std::int64_t>& dims, double correction = 1.0, bool keepdim = false);
/// sqrt(var); gradient (x − mean)/((N − correction)·std)·g, and 0 where std = 0 (as PyTorch).
Tensor std(const Tensor& a, const std::vector<std::int64_t>& dims, double correction = 1.0, bool keepdim = false);

// Softmax family (ops_softmax.cpp), all computed from x − max along dim, so logits of ±1000 give
// finite results.
/// e^(x − m) / Σ e^(x − m); gradient y ⊙ (g − Σ g ⊙ y).
Tensor softmax(const Tensor& x, std::int64_t dim);
/// x − m − log Σ e^(x − m); gradient g − softmax(x) ⊙ Σ g.
Tensor log_softmax(const Tensor& x, std::int64_t dim);
/// m + log Σ e^(x − m); gradient g ⊙ e^(x − logsumexp).
Tensor logsumexp(const Tensor& x, std::int64_t dim, bool keepdim = false);

// Selection and comparison with broadcasting (ops_select.cpp).
/// cond ? a : b elementwise; cond is a float tensor, nonzero meaning true. Gradients g where
/// cond (to a) and where not (to b); cond gets none.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// Elementwise max / min, NaN if either is; at ties each input gets g/2, and where either is NaN
/// both get g (PyTorch's derivative: only the strict loser gets 0).
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
/// min(max(a, low), high) with tensor bounds, NaN where a or a bound is; gradients as PyTorch: a's where low <= a <=
/// high, low's where a < low (and low < high), high's where a > high (or high < low).
Tensor clamp(const Tensor& a, const Tensor& low, const Tensor& high);

// Indexing (ops_index.cpp). Index tensors as above; backward scatter-adds, so a repeated index
// accumulates its gradients.
/// Picks entries index[k] (a 1-D index tensor) along dim: a [.., n, ..] -> [.., K, ..].
Tensor index_select(const Tensor& a, std::int64_t dim, const Tensor& index);
/// out[i][j][k] = a[i][index[i][j][k]][k] for dim 1 (likewise for any dim); index has a's rank,
/// each other extent at most a's; the output has index's shape.
Tensor gather(const Tensor& a, std::int64_t dim, const Tensor& index);
/// Row lookup as nn.Embedding: weight [V, D], indices of any shape -> indices.shape + [D].
Tensor embedding(const Tensor& indices, const Tensor& weight);
/// The same, where row padding_idx receives no gradient (nn.Embedding's padding_idx).
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::size_t> padding_idx);

// Views and copies that change the shape only (ops_view.cpp); each backward undoes it.
Tensor unsqueeze(const Tensor& a, std::int64_t dim);  ///< inserts a 1 at dim in [−rank−1, rank]
Tensor squeeze(const Tensor& a);                      ///< drops every extent of 1
Tensor squeeze(const Tensor& a, std::int64_t dim);    ///< drops dim if its extent is 1 (else a copy)
/// out.shape[d] = a.shape[dims[d]]; dims must be a permutation of 0..rank−1.
Tensor permute(const Tensor& a, const std::vector<std::int64_t>& dims);
/// Merges dims start..end (inclusive) into one.
Tensor flatten(const Tensor& a, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
/// Broadcasts to `shape` (−1 keeps an extent; new leading dims allowed); backward sums back.
Tensor expand(const Tensor& a, const std::vector<std::int64_t>& shape);

// Normalisation (ops_normalization.cpp), each one fused op whose forward saves the mean and
// 1/√(var + eps) of every normalised group for a one-pass backward.
/// Normalises over the trailing dims `normalized_shape` of x (biased variance), then scales by
/// weight and shifts by bias (each of shape normalized_shape, either may be absent).
/// Gradients: dx = rstd·(d − mean(d) − x̂·mean(d·x̂)) with d = g·weight, x̂ the normalised x;
/// dweight = Σ g·x̂, dbias = Σ g over the leading dims.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
/// Batch normalisation of x [N, C] or [N, C, L] per channel C, as torch.nn.functional.batch_norm:
/// with `training`, the batch's mean and biased variance over N (and L) normalise, and the
/// running statistics, when given, are updated in place as running = (1 − momentum)·running +
/// momentum·batch (the unbiased variance); without, running_mean and running_var normalise
/// (they are required then). Then weight and bias [C] (optional) scale and shift. Gradients:
/// in training dx = weight·rstd/n·(n·g − Σg − x̂·Σ g·x̂) (n = N·L per channel), else
/// weight·rstd·g; dweight = Σ g·x̂, dbias = Σ g. Running statistics get no gradient.
Tensor batch_norm(const Tensor& x, const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var,
                  const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, bool training,
                  double momentum = 0.1, double eps = 1e-5);

// Dropout (ops_dropout.cpp): in training, zeroes each element with probability p and scales the
// rest by 1/(1 − p), so the expectation is unchanged; p = 0 (or not training) returns x itself,
// p = 1 gives exact zeros. Gradient g ⊙ mask/(1 − p).
Tensor dropout(const Tensor& x, float p, bool training, Generator& generator);
Tensor dropout(const Tensor& x, float p = 0.5f, bool training = true);

}  // namespace xtgrad

XTGRAD_API_END

#include "xtgrad/core/ops_loss.hpp"
