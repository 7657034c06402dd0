// torch.nn.init's formulas (torch/nn/init.py): the bounds and standard deviations are PyTorch's;
// the random numbers come from xtgrad's Generator.
#include "xtgrad/core/init.hpp"

#include <cmath>
#include <limits>

#include <Eigen/QR>

#include "xtgrad/core/detail/check.hpp"

namespace xtgrad {
namespace {

double fan(const Tensor& tensor, FanMode mode) {
  Fans f = calculate_fans(tensor);
  return mode == FanMode::FanIn ? f.fan_in : f.fan_out;
}

}  // namespace

Fans calculate_fans(const Tensor& tensor) {
  XTGRAD_CHECK(tensor.dim() >= 2, "init",
               "fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got shape ",
               shape_str(tensor.shape()));
  double receptive_field = 1.0;  // the kernel's size for convolution weights
  for (std::size_t d = 2; d < tensor.dim(); ++d) receptive_field *= static_cast<double>(tensor.shape()[d]);
  return {static_cast<double>(tensor.shape()[1]) * receptive_field,
          static_cast<double>(tensor.shape()[0]) * receptive_field};
}

double calculate_gain(const std::string& nonlinearity, double param) {
  // torch.nn.init's linear_fns: the linear maps (convolutions transposed or not) and sigmoid keep gain 1.
  for (const char* linear :
       {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"})
    if (nonlinearity == linear) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;  // gives self-normalising nets their unit variance
  detail::fail("calculate_gain", "unsupported nonlinearity '", nonlinearity, "'");
}

// PyTorch's checks: bounds float32 can hold with low <= high; std >= 0 (NaN fails it too).
Tensor& uniform_(Tensor& tensor, double low, double high, Generator& generator) {
  constexpr double kFloatMax = std::numeric_limits<float>::max();
  XTGRAD_CHECK(std::fabs(low) <= kFloatMax && std::fabs(high) <= kFloatMax, "uniform_",
               "the bounds must be finite float32 values, got low=", low, " high=", high);
  XTGRAD_CHECK(low <= high, "uniform_", "expected low <= high, got low=", low, " high=", high);
  for (float& v : tensor.mutable_value()) v = generator.uniform(static_cast<float>(low), static_cast<float>(high));
  return tensor;
}

Tensor& normal_(Tensor& tensor, double mean, double std, Generator& generator) {
  XTGRAD_CHECK(std >= 0.0, "normal_", "expected std >= 0, got ", std);
  for (float& v : tensor.mutable_value()) v = static_cast<float>(mean + std * generator.normal());
  return tensor;
}

Tensor& constant_(Tensor& tensor, double value) {
  tensor.mutable_value().fill(static_cast<float>(value));
  return tensor;
}

Tensor& zeros_(Tensor& tensor) { return constant_(tensor, 0.0); }
Tensor& ones_(Tensor& tensor) { return constant_(tensor, 1.0); }

Tensor& xavier_uniform_(Tensor& tensor, double gain, Generator& generator) {
  Fans f = calculate_fans(tensor);
  double std = gain * std::sqrt(2.0 / (f.fan_in + f.fan_out));
  double bound = std::sqrt(3.0) * std;  // U(−b, b) has standard deviation b/√3
  return uniform_(tensor, -bound, bound, generator);
}

Tensor& xavier_normal_(Tensor& tensor, double gain, Generator& generator) {
  Fans f = calculate_fans(tensor);
  return normal_(tensor, 0.0, gain * std::sqrt(2.0 / (f.fan_in + f.fan_out)), generator);
}

Tensor& kaiming_uniform_(Tensor& tensor, double a, FanMode mode, const std::string& nonlinearity,
                         Generator& generator) {
  if (tensor.numel() == 0) return tensor;  // PyTorch warns and leaves it
  double bound = std::sqrt(3.0) * calculate_gain(nonlinearity, a) / std::sqrt(fan(tensor, mode));
  return uniform_(tensor, -bound, bound, generator);
}

Tensor& kaiming_normal_(Tensor& tensor, double a, FanMode mode, const std::string& nonlinearity, Generator& generator) {
  if (tensor.numel() == 0) return tensor;
  return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(fan(tensor, mode)), generator);
}

Tensor& orthogonal_(Tensor& tensor, double gain, Generator& generator) {
  XTGRAD_CHECK(tensor.dim() >= 2, "orthogonal_", "only tensors with 2 or more dimensions are supported, got shape ",
               shape_str(tensor.shape()));
  if (tensor.numel() == 0) return tensor;
  auto rows = static_cast<Eigen::Index>(tensor.shape()[0]);
  auto cols = static_cast<Eigen::Index>(tensor.numel()) / rows;
  // QR of the tall orientation: A (rows >= cols) or Aᵀ, so Q has orthonormal columns.
  bool wide = rows < cols;
  Eigen::MatrixXd a(wide ? cols : rows, wide ? rows : cols);
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) a(i, j) = generator.normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), a.cols());
  Eigen::MatrixXd r = qr.matrixQR().topRows(a.cols()).triangularView<Eigen::Upper>();
  // Q·diag(sign(diag R)) makes R's diagonal positive: the unique QR, so Q is uniform (Haar).
  for (Eigen::Index j = 0; j < q.cols(); ++j)
    if (r(j, j) < 0) q.col(j) *= -1.0;
  if (wide) q.transposeInPlace();
  float* dst = tensor.mutable_value().data();
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) dst[i * cols + j] = static_cast<float>(gain * q(i, j));
  return tensor;
}

}  // namespace xtgrad
