// Normalisation as fused ops: layer_norm and batch_norm each record one tape entry. The forward
// saves the per-row (per-channel) mean and 1/std, so the backward needs no second reduction of x
// beyond the two sums of its formula, and recomputes x̂ on the fly instead of storing it.
#include <algorithm>
#include <cmath>
#include <optional>

#include "autograd.hpp"
#include "detail/check.hpp"
#include "detail/simd.hpp"
#include "ops.hpp"

namespace xtgrad {
namespace {

// Where weight and bias sit among the recorded inputs (x is input 0), or -1 when absent.
struct AffineSlots {
  int weight = -1, bias = -1;
  const float* weight_values(const BackwardContext& ctx) const {
    return weight >= 0 ? ctx.input(static_cast<std::size_t>(weight)).data() : nullptr;
  }
};

AffineSlots collect(std::vector<Tensor>& inputs, const std::optional<Tensor>& weight, const std::optional<Tensor>& bias) {
  AffineSlots slots;
  if (weight) slots.weight = static_cast<int>(inputs.size()), inputs.push_back(*weight);
  if (bias) slots.bias = static_cast<int>(inputs.size()), inputs.push_back(*bias);
  return slots;
}

// Σ_j f(a[j], b[j]) over one row: full SIMD batches with lane-wise partial sums (the rows are
// short, so float partials lose nothing that matters), the tail one by one. f takes floats and
// FloatBatches alike.
template <class F>
float row_sum(const float* a, const float* b, std::size_t n, F f) {
  using detail::FloatBatch;
  constexpr std::size_t width = FloatBatch::size;
  FloatBatch partial(0.0f);
  std::size_t j = 0;
  for (; j + width <= n; j += width) partial += f(FloatBatch::load_unaligned(a + j), FloatBatch::load_unaligned(b + j));
  float total = xsimd::hadd(partial);
  for (; j < n; ++j) total += f(a[j], b[j]);
  return total;
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
  Array y = Array::from_shape(shape);
  std::vector<float> means(rows), rstds(rows);
  const float* px = x.value().data();
  const float* gamma = weight ? weight->value().data() : nullptr;
  const float* beta = bias ? bias->value().data() : nullptr;
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = px + r * width;
    const float mean = row_sum(row, row, width, [](auto v, auto) { return v; }) / static_cast<float>(width);
    const float var = row_sum(row, row, width, [mean](auto v, auto) { return (v - mean) * (v - mean); }) /
                      static_cast<float>(width);
    const float rstd = static_cast<float>(1.0 / std::sqrt(static_cast<double>(var) + eps));
    means[r] = mean;
    rstds[r] = rstd;
    float* out = y.data() + r * width;
    // Branches hoisted out of the loops, so each one vectorises.
    for (std::size_t j = 0; j < width; ++j) out[j] = (row[j] - mean) * rstd;
    if (gamma)
      for (std::size_t j = 0; j < width; ++j) out[j] *= gamma[j];
    if (beta)
      for (std::size_t j = 0; j < width; ++j) out[j] += beta[j];
  }
  std::vector<Tensor> inputs{x};
  AffineSlots slots = collect(inputs, weight, bias);
  return record(op, std::move(y), inputs, [=](BackwardContext& ctx) {
    // With x̂ = (x − mean)·rstd and d = g·γ: dx = rstd·(d − mean(d) − x̂·mean(d·x̂)),
    // dγ = Σ_rows g·x̂, dβ = Σ_rows g.
    const float* g = ctx.grad().data();
    const float* xv = ctx.input(0).data();
    const float* gm = slots.weight_values(ctx);
    bool want_x = ctx.wants(0);
    bool want_w = slots.weight >= 0 && ctx.wants(slots.weight), want_b = slots.bias >= 0 && ctx.wants(slots.bias);
    Array dx = want_x ? Array::from_shape(ctx.input(0).shape()) : Array();
    Array dw = xt::zeros<float>({width}), db = xt::zeros<float>({width});
    std::vector<float> d(width), xhat(width);
    for (std::size_t r = 0; r < rows; ++r) {
      const float* gr = g + r * width;
      const float* xr = xv + r * width;
      const float mean = means[r], rstd = rstds[r];
      for (std::size_t j = 0; j < width; ++j) xhat[j] = (xr[j] - mean) * rstd;
      if (want_w)
        for (std::size_t j = 0; j < width; ++j) dw(j) += gr[j] * xhat[j];
      if (want_b)
        for (std::size_t j = 0; j < width; ++j) db(j) += gr[j];
      if (!want_x) continue;
      for (std::size_t j = 0; j < width; ++j) d[j] = gm ? gr[j] * gm[j] : gr[j];
      const float mean_d = row_sum(d.data(), d.data(), width, [](auto v, auto) { return v; }) / static_cast<float>(width);
      const float mean_dx = row_sum(d.data(), xhat.data(), width, [](auto u, auto v) { return u * v; }) /
                            static_cast<float>(width);
      float* out = dx.data() + r * width;
      for (std::size_t j = 0; j < width; ++j) out[j] = rstd * (d[j] - mean_d - xhat[j] * mean_dx);
    }
    if (want_x) ctx.add(0, std::move(dx));
    // Summed flat over the normalized dims; reshaped to weight's (and bias's) shape.
    if (want_w) dw.reshape(ctx.input(slots.weight).shape()), ctx.add(slots.weight, std::move(dw));
    if (want_b) db.reshape(ctx.input(slots.bias).shape()), ctx.add(slots.bias, std::move(db));
  });
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
  for (const auto* t : {&running_mean, &running_var, &weight, &bias}) check_affine(op, "per-channel tensors", *t, {channels});
  XTGRAD_CHECK(!running_mean || !running_mean->requires_grad(), op, "running statistics must not require grad");

  // The statistics used: the batch's (biased variance) in training, the running ones otherwise.
  std::vector<float> means(channels), rstds(channels);
  const float* px = x.value().data();
  // The running statistics are updated in place (a handle copy shares their storage).
  float* run_mean = running_mean && training ? Tensor(*running_mean).mutable_value().data() : nullptr;
  float* run_var = running_var && training ? Tensor(*running_var).mutable_value().data() : nullptr;
  auto at = [channels, length](std::size_t n, std::size_t c, std::size_t l) { return (n * channels + c) * length + l; };
  for (std::size_t c = 0; c < channels; ++c) {
    double mean, var;
    if (training) {
      double sum = 0.0, squares = 0.0;
      for (std::size_t n = 0; n < batch; ++n)
        for (std::size_t l = 0; l < length; ++l) sum += px[at(n, c, l)];
      mean = sum / static_cast<double>(count);
      for (std::size_t n = 0; n < batch; ++n)
        for (std::size_t l = 0; l < length; ++l) squares += (px[at(n, c, l)] - mean) * (px[at(n, c, l)] - mean);
      var = squares / static_cast<double>(count);
      if (run_mean) {
        // running = (1 − momentum)·running + momentum·batch, with the unbiased variance (as PyTorch).
        double unbiased = squares / static_cast<double>(count - 1);
        run_mean[c] = static_cast<float>((1.0 - momentum) * run_mean[c] + momentum * mean);
        run_var[c] = static_cast<float>((1.0 - momentum) * run_var[c] + momentum * unbiased);
      }
    } else {
      mean = running_mean->value().data()[c];
      var = running_var->value().data()[c];
    }
    means[c] = static_cast<float>(mean);
    rstds[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
  }
  Array y = Array::from_shape(shape);
  const float* gamma = weight ? weight->value().data() : nullptr;
  const float* beta = bias ? bias->value().data() : nullptr;
  for (std::size_t n = 0; n < batch; ++n)
    for (std::size_t c = 0; c < channels; ++c)
      for (std::size_t l = 0; l < length; ++l) {
        float v = (px[at(n, c, l)] - means[c]) * rstds[c];
        y.data()[at(n, c, l)] = (gamma ? v * gamma[c] : v) + (beta ? beta[c] : 0.0f);
      }

  std::vector<Tensor> inputs{x};
  AffineSlots slots = collect(inputs, weight, bias);
  return record(op, std::move(y), inputs, [=](BackwardContext& ctx) {
    // Per channel, with x̂ = (x − mean)·rstd: dγ = Σ g·x̂, dβ = Σ g. In training the mean and
    // variance depend on x: dx = γ·rstd/n·(n·g − Σg − x̂·Σ g·x̂); otherwise dx = γ·rstd·g.
    const float* g = ctx.grad().data();
    const float* xv = ctx.input(0).data();
    const float* gm = slots.weight_values(ctx);
    std::vector<double> sum_g(channels, 0.0), sum_gx(channels, 0.0);
    for (std::size_t n = 0; n < batch; ++n)
      for (std::size_t c = 0; c < channels; ++c)
        for (std::size_t l = 0; l < length; ++l) {
          std::size_t i = at(n, c, l);
          sum_g[c] += g[i];
          sum_gx[c] += g[i] * ((xv[i] - means[c]) * rstds[c]);
        }
    if (ctx.wants(0)) {
      Array dx = Array::from_shape(ctx.input(0).shape());
      for (std::size_t n = 0; n < batch; ++n)
        for (std::size_t c = 0; c < channels; ++c) {
          float scale = (gm ? gm[c] : 1.0f) * rstds[c];
          float mean_g = static_cast<float>(sum_g[c] / static_cast<double>(count));
          float mean_gx = static_cast<float>(sum_gx[c] / static_cast<double>(count));
          for (std::size_t l = 0; l < length; ++l) {
            std::size_t i = at(n, c, l);
            float xhat = (xv[i] - means[c]) * rstds[c];
            dx.data()[i] = training ? scale * (g[i] - mean_g - xhat * mean_gx) : scale * g[i];
          }
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
  });
}

}  // namespace xtgrad
