// Normalisation as fused ops: layer_norm and batch_norm each record one tape entry. The forward
// saves the per-row (per-channel) mean and 1/std, so the backward needs no second reduction of x
// beyond the two sums of its formula, and recomputes x̂ on the fly instead of storing it.
#include <algorithm>
#include <cmath>
#include <optional>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

// Where weight and bias sit among the recorded inputs (x is input 0), or -1 when absent.
struct AffineSlots {
  int weight = -1, bias = -1;
  const float* weight_values(const BackwardContext& ctx) const {
    return weight >= 0 ? ctx.input(static_cast<std::size_t>(weight)).data() : nullptr;
  }
};

AffineSlots collect(std::vector<Tensor>& inputs, const std::optional<Tensor>& weight,
                    const std::optional<Tensor>& bias) {
  AffineSlots slots;
  if (weight) slots.weight = static_cast<int>(inputs.size()), inputs.push_back(*weight);
  if (bias) slots.bias = static_cast<int>(inputs.size()), inputs.push_back(*bias);
  return slots;
}

void check_affine(const char* op, const char* what, const std::optional<Tensor>& t, const Shape& expected) {
  XTGRAD_CHECK(!t || t->shape() == expected, op, "expected ", what, " of shape ", shape_str(expected), ", got ",
               shape_str(t->shape()));
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  const char* op = "layer_norm";
  Shape shape = x.shape();
  bool fits = !normalized_shape.empty() && normalized_shape.size() <= shape.size() &&
              std::equal(normalized_shape.begin(), normalized_shape.end(), shape.end() - normalized_shape.size());
  XTGRAD_CHECK(fits, op, "input of shape ", shape_str(shape), " does not end in normalized_shape ",
               shape_str(normalized_shape));
  XTGRAD_CHECK(eps >= 0.0 && std::isfinite(eps), op, "eps must be finite and non-negative, got ", eps);
  check_affine(op, "weight", weight, normalized_shape);
  check_affine(op, "bias", bias, normalized_shape);
  std::size_t width = 1;
  for (std::size_t d : normalized_shape) width *= d;
  const std::size_t rows = width == 0 ? 0 : x.numel() / width;

  // y = (x − mean)·rstd·γ + β per row of `width` values; mean and rstd = 1/√(var + eps) saved.
  // The row loops are the vector kernels of the CPU's instruction set (detail/simd_kernels.hpp).
  Array y = Array::from_shape(shape);
  std::vector<float> means(rows), rstds(rows);
  detail::simd_kernels().layer_norm_forward(x.value().data(), rows, width, eps,
                                            weight ? weight->value().data() : nullptr,
                                            bias ? bias->value().data() : nullptr, y.data(), means.data(),
                                            rstds.data());
  std::vector<Tensor> inputs{x};
  AffineSlots slots = collect(inputs, weight, bias);
  // Reads x and γ; PyTorch 1.13 saves β too (native_layer_norm), so it counts as read. Never y.
  return record(
      op, std::move(y), inputs,
      [=](BackwardContext& ctx) {
        // With x̂ = (x − mean)·rstd and d = g·γ: dx = rstd·(d − mean(d) − x̂·mean(d·x̂)),
        // dγ = Σ_rows g·x̂, dβ = Σ_rows g.
        bool want_x = ctx.wants(0);
        bool want_w = slots.weight >= 0 && ctx.wants(slots.weight), want_b = slots.bias >= 0 && ctx.wants(slots.bias);
        Array dx = want_x ? Array::from_shape(ctx.input(0).shape()) : Array();
        Array dw = xt::zeros<float>({width}), db = xt::zeros<float>({width});
        detail::simd_kernels().layer_norm_backward(ctx.grad().data(), ctx.input(0).data(), rows, width, means.data(),
                                                   rstds.data(), slots.weight_values(ctx), want_w ? dw.data() : nullptr,
                                                   want_b ? db.data() : nullptr, want_x ? dx.data() : nullptr);
        if (want_x) ctx.add(0, std::move(dx));
        // Summed flat over the normalized dims; reshaped to weight's (and bias's) shape.
        if (want_w) dw.reshape(ctx.input_shape(slots.weight)), ctx.add(slots.weight, std::move(dw));
        if (want_b) db.reshape(ctx.input_shape(slots.bias)), ctx.add(slots.bias, std::move(db));
      },
      kReadsInputs);
}

Tensor batch_norm(const Tensor& x, const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var,
                  const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, bool training,
                  double momentum, double eps) {
  const char* op = "batch_norm";
  Shape shape = x.shape();
  XTGRAD_CHECK(shape.size() == 2 || shape.size() == 3, op, "expected input [N, C] or [N, C, L], got ",
               shape_str(shape));
  const std::size_t batch = shape[0], channels = shape[1], length = shape.size() == 3 ? shape[2] : 1;
  const std::size_t count = batch * length;  // values per channel
  XTGRAD_CHECK(running_mean.has_value() == running_var.has_value(), op,
               "running_mean and running_var go together (got only one)");
  XTGRAD_CHECK(training || running_mean, op, "without training, running_mean and running_var are needed");
  XTGRAD_CHECK(!training || count > 1, op, "expected more than 1 value per channel when training, got input ",
               shape_str(shape));
  XTGRAD_CHECK(eps >= 0.0 && std::isfinite(eps), op, "eps must be finite and non-negative, got ", eps);
  for (const auto* t : {&running_mean, &running_var, &weight, &bias})
    check_affine(op, "per-channel tensors", *t, {channels});
  XTGRAD_CHECK(!running_mean || !running_mean->requires_grad(), op, "running statistics must not require grad");

  // x is N rows of `features` = C·L values; every loop walks a row in memory order, keeping one
  // accumulator per (c, l) that is folded over l at the end, so the inner loops vectorise.
  const std::size_t features = channels * length;
  auto fold = [channels, length](const std::vector<double>& flat) {
    std::vector<double> out(channels, 0.0);
    for (std::size_t k = 0; k < flat.size(); ++k) out[k / length] += flat[k];
    return out;
  };
  auto expand = [channels, length](const std::vector<float>& per_channel) {
    std::vector<float> flat(channels * length);
    for (std::size_t k = 0; k < flat.size(); ++k) flat[k] = per_channel[k / length];
    return flat;
  };
  // The statistics used: the batch's (biased variance) in training, the running ones otherwise.
  std::vector<float> means(channels), rstds(channels);
  const float* px = x.value().data();
  if (training) {
    std::vector<double> acc(features, 0.0);
    for (std::size_t n = 0; n < batch; ++n)
      for (std::size_t k = 0; k < features; ++k) acc[k] += px[n * features + k];
    std::vector<double> sums = fold(acc);
    std::vector<double> mean_flat(features);
    for (std::size_t k = 0; k < features; ++k) mean_flat[k] = sums[k / length] / static_cast<double>(count);
    std::fill(acc.begin(), acc.end(), 0.0);
    for (std::size_t n = 0; n < batch; ++n)
      for (std::size_t k = 0; k < features; ++k) {
        double v = px[n * features + k] - mean_flat[k];
        acc[k] += v * v;
      }
    std::vector<double> squares = fold(acc);
    // The running statistics are updated in place (a handle copy shares their storage).
    float* run_mean = running_mean ? Tensor(*running_mean).mutable_value().data() : nullptr;
    float* run_var = running_var ? Tensor(*running_var).mutable_value().data() : nullptr;
    for (std::size_t c = 0; c < channels; ++c) {
      double mean = sums[c] / static_cast<double>(count), var = squares[c] / static_cast<double>(count);
      means[c] = static_cast<float>(mean);
      rstds[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
      if (run_mean) {
        // running = (1 − momentum)·running + momentum·batch, with the unbiased variance (as PyTorch).
        double unbiased = squares[c] / static_cast<double>(count - 1);
        run_mean[c] = static_cast<float>((1.0 - momentum) * run_mean[c] + momentum * mean);
        run_var[c] = static_cast<float>((1.0 - momentum) * run_var[c] + momentum * unbiased);
      }
    }
  } else {
    for (std::size_t c = 0; c < channels; ++c) {
      means[c] = running_mean->value().data()[c];
      rstds[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(running_var->value().data()[c]) + eps));
    }
  }
  // y = (x − mean)·rstd·γ + β, per feature.
  std::vector<float> mean_f = expand(means), rstd_f = expand(rstds);
  std::vector<float> gamma_f = weight ? expand(std::vector<float>(weight->value().begin(), weight->value().end()))
                                      : std::vector<float>(features, 1.0f);
  std::vector<float> beta_f = bias ? expand(std::vector<float>(bias->value().begin(), bias->value().end()))
                                   : std::vector<float>(features, 0.0f);
  Array y = Array::from_shape(shape);
  for (std::size_t n = 0; n < batch; ++n) {
    const float* xr = px + n * features;
    float* yr = y.data() + n * features;
    for (std::size_t k = 0; k < features; ++k) yr[k] = (xr[k] - mean_f[k]) * rstd_f[k] * gamma_f[k] + beta_f[k];
  }

  std::vector<Tensor> inputs{x};
  AffineSlots slots = collect(inputs, weight, bias);
  // Reads x (γ is the copy made above), but PyTorch 1.13 saves x and γ, so γ counts as read too;
  // β and y do not.
  BackwardReads reads{1u | (slots.weight >= 0 ? 1u << slots.weight : 0u), false};
  return record(
      op, std::move(y), inputs,
      [=](BackwardContext& ctx) {
        // Per channel, with x̂ = (x − mean)·rstd: dγ = Σ g·x̂, dβ = Σ g. In training the mean and
        // variance depend on x: dx = γ·rstd/n·(n·g − Σg − x̂·Σ g·x̂); otherwise dx = γ·rstd·g.
        const float* g = ctx.grad().data();
        const float* xv = ctx.input(0).data();
        std::vector<double> acc_g(features, 0.0), acc_gx(features, 0.0);
        for (std::size_t n = 0; n < batch; ++n)
          for (std::size_t k = 0; k < features; ++k) {
            std::size_t i = n * features + k;
            acc_g[k] += g[i];
            acc_gx[k] += g[i] * ((xv[i] - mean_f[k]) * rstd_f[k]);
          }
        std::vector<double> sum_g = fold(acc_g), sum_gx = fold(acc_gx);
        if (ctx.wants(0)) {
          // Per feature: scale = γ·rstd, and in training the two means the statistics feed back.
          std::vector<float> scale(features), mean_g(features, 0.0f), mean_gx(features, 0.0f);
          for (std::size_t k = 0; k < features; ++k) {
            scale[k] = gamma_f[k] * rstd_f[k];
            if (training) mean_g[k] = static_cast<float>(sum_g[k / length] / static_cast<double>(count));
            if (training) mean_gx[k] = static_cast<float>(sum_gx[k / length] / static_cast<double>(count));
          }
          Array dx = Array::from_shape(ctx.input_shape(0));
          for (std::size_t n = 0; n < batch; ++n)
            for (std::size_t k = 0; k < features; ++k) {
              std::size_t i = n * features + k;
              float xhat = (xv[i] - mean_f[k]) * rstd_f[k];
              dx.data()[i] = scale[k] * (g[i] - mean_g[k] - xhat * mean_gx[k]);
            }
          ctx.add(0, std::move(dx));
        }
        auto per_channel = [&](const std::vector<double>& sums) {
          Array out = Array::from_shape({channels});
          for (std::size_t c = 0; c < channels; ++c) out(c) = static_cast<float>(sums[c]);
          return out;
        };
        if (slots.weight >= 0 && ctx.wants(slots.weight)) ctx.add(slots.weight, per_channel(sum_gx));
        if (slots.bias >= 0 && ctx.wants(slots.bias)) ctx.add(slots.bias, per_channel(sum_g));
      },
      reads);
}

}  // namespace xtgrad
