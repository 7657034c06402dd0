// LayerNorm and BatchNorm1d, with PyTorch's options, parameter and buffer names, and defaults.
#pragma once

#include <optional>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/module.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// LayerNormOptions({8}).eps(1e-6).bias(false), as PyTorch's C++ frontend.
struct LayerNormOptions {
  LayerNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  LayerNormOptions& eps(double v) {
    eps_ = v;
    return *this;
  }
  LayerNormOptions& elementwise_affine(bool on) {
    elementwise_affine_ = on;
    return *this;
  }
  LayerNormOptions& bias(bool on) {
    bias_ = on;
    return *this;
  }
  const Shape& normalized_shape() const { return normalized_shape_; }
  double eps() const { return eps_; }
  bool elementwise_affine() const { return elementwise_affine_; }
  bool bias() const { return bias_; }

 private:
  Shape normalized_shape_;
  double eps_ = 1e-5;
  bool elementwise_affine_ = true, bias_ = true;
};

/// Normalises each sample over its trailing normalized_shape dims, then applies weight (ones)
/// and bias (zeros) of that shape when elementwise_affine (bias only when bias is on too).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(const LayerNormOptions& options);
  static std::shared_ptr<LayerNorm> from_config(const Value& config);
  /// input [*, normalized_shape...] -> the same shape.
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "LayerNorm"; }
  Value config() const override;

  const LayerNormOptions options;
  Tensor weight, bias;  // registered only when in use

 protected:
  std::string extra_repr() const override;
};

/// BatchNormOptions(16).momentum(std::nullopt) for a cumulative moving average.
struct BatchNormOptions {
  BatchNormOptions(std::size_t num_features) : num_features_(num_features) {}
  BatchNormOptions& eps(double v) {
    eps_ = v;
    return *this;
  }
  BatchNormOptions& momentum(std::optional<double> v) {
    momentum_ = v;
    return *this;
  }
  BatchNormOptions& affine(bool on) {
    affine_ = on;
    return *this;
  }
  BatchNormOptions& track_running_stats(bool on) {
    track_running_stats_ = on;
    return *this;
  }
  std::size_t num_features() const { return num_features_; }
  double eps() const { return eps_; }
  std::optional<double> momentum() const { return momentum_; }
  bool affine() const { return affine_; }
  bool track_running_stats() const { return track_running_stats_; }

 private:
  std::size_t num_features_;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool affine_ = true, track_running_stats_ = true;
};

/// Batch normalisation of [N, C] or [N, C, L] per channel C, as nn.BatchNorm1d. In training:
/// the batch's statistics normalise, and (with track_running_stats) running_mean and
/// running_var follow them by momentum (without one: their cumulative average) while
/// num_batches_tracked counts the batches. In eval: the running statistics normalise (the
/// batch's when they are not tracked). weight (ones) and bias (zeros) [C] when affine.
/// running_mean, running_var and num_batches_tracked (a whole number held in a float32) are
/// persistent buffers: saved, loaded and converted to PyTorch with the parameters.
class BatchNorm1d : public Module {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options);
  static std::shared_ptr<BatchNorm1d> from_config(const Value& config);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "BatchNorm1d"; }
  Value config() const override;
  std::optional<InputSpec> input_spec() const override;

  const BatchNormOptions options;
  Tensor weight, bias;                                    // [C], when affine
  Tensor running_mean, running_var, num_batches_tracked;  // [C], [C], [] when tracked

 protected:
  std::string extra_repr() const override;

 private:
  void check_running_statistics(float batches, bool training) const;
};

}  // namespace xtgrad

XTGRAD_API_END
