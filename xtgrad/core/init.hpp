// Weight initialisation as torch.nn.init: each function fills a tensor's values in place (not
// recorded on the tape) with PyTorch's bounds and standard deviations, and returns it. Random
// ones draw from `generator`, the calling thread's default generator unless given.
#pragma once

#include <string>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/random.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

enum class FanMode { FanIn, FanOut };

struct Fans {
  double fan_in, fan_out;
};
/// For a weight [out, in, k1, k2, ...]: fan_in = in·k1·k2·…, fan_out = out·k1·k2·…. Needs at
/// least 2 dims.
Fans calculate_fans(const Tensor& tensor);
/// The recommended gain for a nonlinearity: "linear", "conv1d".."conv3d",
/// "conv_transpose1d".."conv_transpose3d", "sigmoid" → 1;
/// "tanh" → 5/3; "relu" → √2; "leaky_relu" → √(2/(1 + slope²)) with slope `param` (default
/// 0.01); "selu" → 3/4.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

/// U(low, high); low <= high, both finite float32 values (std::invalid_argument otherwise, as PyTorch).
Tensor& uniform_(Tensor& tensor, double low = 0.0, double high = 1.0, Generator& generator = default_generator());
/// N(mean, std²); std >= 0.
Tensor& normal_(Tensor& tensor, double mean = 0.0, double std = 1.0, Generator& generator = default_generator());
Tensor& constant_(Tensor& tensor, double value);
Tensor& zeros_(Tensor& tensor);
Tensor& ones_(Tensor& tensor);
/// U(−b, b) with b = gain·√(6/(fan_in + fan_out)).
Tensor& xavier_uniform_(Tensor& tensor, double gain = 1.0, Generator& generator = default_generator());
/// N(0, σ²) with σ = gain·√(2/(fan_in + fan_out)).
Tensor& xavier_normal_(Tensor& tensor, double gain = 1.0, Generator& generator = default_generator());
/// U(−b, b) with b = √3·gain/√fan, gain = calculate_gain(nonlinearity, a); nn.Linear uses a = √5.
Tensor& kaiming_uniform_(Tensor& tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                         const std::string& nonlinearity = "leaky_relu", Generator& generator = default_generator());
/// N(0, σ²) with σ = gain/√fan.
Tensor& kaiming_normal_(Tensor& tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                        const std::string& nonlinearity = "leaky_relu", Generator& generator = default_generator());
/// A (semi-)orthogonal matrix times gain, from the QR decomposition of a normal matrix (rows =
/// size(0), columns = the rest flattened), signs fixed so the factorisation is unique, as PyTorch.
Tensor& orthogonal_(Tensor& tensor, double gain = 1.0, Generator& generator = default_generator());

}  // namespace xtgrad

XTGRAD_API_END
