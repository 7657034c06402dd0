// The differentiable ops. Binary ops broadcast as NumPy does; each op's backward sums the
// gradient back to each input's shape. Bad shapes or arguments throw std::invalid_argument
// naming the op and the shapes.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor.hpp"

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
Tensor pow(const Tensor& a, float exponent);   ///< gradient p·a^(p−1)·g
Tensor abs(const Tensor& a);                   ///< gradient sign(a)·g, 0 at 0
/// Limits to [low, high]; the gradient passes where low <= a <= high (as in PyTorch).
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
Tensor tanh(const Tensor& a);        ///< gradient (1 − tanh²)·g from the saved output
Tensor relu(const Tensor& a);        ///< gradient g where a > 0
Tensor softplus(const Tensor& a);    ///< log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|); gradient σ(z)·g
Tensor log_sigmoid(const Tensor& a); ///< log σ(z) = −softplus(−z); gradient σ(−z)·g

// Reductions (ops_reduce.cpp). `axis` may be negative (counts from the end).
Tensor sum(const Tensor& a);                                       ///< 0-d result
Tensor sum(const Tensor& a, std::int64_t axis, bool keepdims = false);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, std::int64_t axis, bool keepdims = false);
/// Maximum along an axis; the gradient goes to the first maximal element.
Tensor max(const Tensor& a, std::int64_t axis, bool keepdims = false);

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
/// dW = gᵀ x, db = Σ_rows g, each accumulated in place by the GEMM.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);
Tensor linear(const Tensor& x, const Tensor& weight);

// Shape ops (ops_shape.cpp).
Tensor transpose(const Tensor& a);                                  ///< 2-D: [m, n] -> [n, m]
Tensor transpose(const Tensor& a, std::int64_t dim0, std::int64_t dim1);
/// New shape with the same number of elements; one entry may be −1 (inferred).
Tensor reshape(const Tensor& a, const std::vector<std::int64_t>& shape);
/// Elements [start, start + length) along `dim`.
Tensor narrow(const Tensor& a, std::int64_t dim, std::size_t start, std::size_t length);
/// Elements [start, end) along `dim`, as Python's a[..., start:end].
Tensor slice(const Tensor& a, std::int64_t dim, std::size_t start, std::size_t end);
/// Joins along an existing dimension; all other extents must match.
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim);
/// Joins along a new dimension; all shapes must be equal.
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim);

}  // namespace xtgrad
