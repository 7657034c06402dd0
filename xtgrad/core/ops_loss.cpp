// Cross-entropy and NLL as one fused op each (PyTorch 1.13's aten/src/ATen/native/LossNLL.cpp).
// Every variant (indices or probabilities, weight, ignore_index, label smoothing, reduction) is
// written as coefficients a[n, c, i] of −log p[n, c, i], so one kernel computes the loss
// Σ_c a_c·(−log p_c) and one backward g·(softmax·Σa − a) serves them all.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/index.hpp"
#include "xtgrad/core/detail/loss.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {

Reduction reduction_from_string(const std::string& name) {
  if (name == "none") return Reduction::None;
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  throw std::invalid_argument("reduction: expected 'none', 'mean' or 'sum', got '" + name + "'");
}

std::string to_string(Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return "none";
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
  }
  return "?";
}

namespace {

// input [N, C, d1, ...] seen as [N, C, inner]; element (n, c, i) at (n·C + c)·inner + i and
// position (n, i) at n·inner + i; `positions` has shape [N, d1, ...].
struct ClassLayout {
  std::size_t n = 1, c = 1, inner = 1;
  Shape positions;
  std::size_t at(std::size_t r, std::size_t cls) const { return ((r / inner) * c + cls) * inner + r % inner; }
  std::size_t count() const { return n * inner; }
};

ClassLayout class_layout(const char* op, const Tensor& input, const ClassLossOptions& options) {
  Shape shape = input.shape();
  XTGRAD_CHECK(shape.size() >= 2, op, "expected input [C], [N, C] or [N, C, d1, ...], got shape ", shape_str(shape));
  ClassLayout l;
  l.n = shape[0];
  l.c = shape[1];
  l.positions.push_back(shape[0]);
  for (std::size_t d = 2; d < shape.size(); ++d) {
    l.inner *= shape[d];
    l.positions.push_back(shape[d]);
  }
  if (options.weight) {
    const Tensor& w = *options.weight;
    XTGRAD_CHECK(w.dim() == 1 && w.numel() == l.c, op, "weight must have shape [", l.c, "] (one per class), got ",
                 shape_str(w.shape()));
    XTGRAD_CHECK(!w.requires_grad(), op, "gradients with respect to weight are not supported; detach() it");
  }
  XTGRAD_CHECK(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0, op,
               "label_smoothing must be in [0, 1], got ", options.label_smoothing);
  return l;
}

float class_weight(const ClassLossOptions& options, std::size_t cls) {
  return options.weight ? options.weight->value().data()[cls] : 1.0f;
}

// The loss's coefficient per element (see class_loss), and whether it is a mean over no position
// at all (every target ignored, or N = 0): PyTorch's 0/0 there is a NaN loss whose gradient is 0,
// as nothing was counted; scaling the coefficients by 1/0 instead would make the gradient NaN.
struct Coefficients {
  Array a;
  bool mean_of_nothing = false;
};

// Coefficients for class-index targets. Per position not ignored, with target t:
// a_t += (1 − ε)·w_t and a_c += (ε/C)·w_c for every c; mean scales all by 1 / Σ w_t (PyTorch
// divides the smoothing term by the same sum, weighted or not).
Coefficients index_coefficients(const char* op, const Tensor& target, const ClassLayout& l, const ClassLossOptions& o,
                                double smoothing) {
  XTGRAD_CHECK(target.shape() == l.positions, op, "expected class indices of shape ", shape_str(l.positions),
               " (or probabilities of the input's shape), got ", shape_str(target.shape()));
  XTGRAD_CHECK(!target.requires_grad(), op, "class-index targets have no gradient; detach() them");
  Array a = xt::zeros<float>(Shape{l.n, l.c, l.inner});
  double total_weight = 0.0;
  std::size_t counted = 0;
  auto ignore = static_cast<float>(o.ignore_index);
  for (std::size_t r = 0; r < l.count(); ++r) {
    float t = target.value().data()[r];
    if (t == ignore) continue;
    std::size_t cls = detail::to_index(op, "target", t, l.c);
    ++counted;
    total_weight += class_weight(o, cls);
    a.data()[l.at(r, cls)] += static_cast<float>((1.0 - smoothing) * class_weight(o, cls));
    if (smoothing > 0.0)
      for (std::size_t c = 0; c < l.c; ++c)
        a.data()[l.at(r, c)] += static_cast<float>(smoothing / static_cast<double>(l.c) * class_weight(o, c));
  }
  bool mean = o.reduction == Reduction::Mean;
  if (mean && counted > 0) a *= static_cast<float>(1.0 / total_weight);
  return {std::move(a), mean && counted == 0};
}

// Coefficients for probability targets: a_c = w_c·((1 − ε)·p_c + ε/C), mean over N·d1·….
Coefficients probability_coefficients(const Tensor& target, const ClassLayout& l, const ClassLossOptions& o) {
  Array a = Array::from_shape(Shape{l.n, l.c, l.inner});
  bool mean = o.reduction == Reduction::Mean;
  double scale = mean && l.count() > 0 ? 1.0 / static_cast<double>(l.count()) : 1.0;
  double eps = o.label_smoothing;
  for (std::size_t r = 0; r < l.count(); ++r)
    for (std::size_t c = 0; c < l.c; ++c) {
      std::size_t k = l.at(r, c);
      double p = (1.0 - eps) * target.value().data()[k] + eps / static_cast<double>(l.c);
      a.data()[k] = static_cast<float>(scale * class_weight(o, c) * p);
    }
  return {std::move(a), mean && l.count() == 0};
}

// Records a class loss on its input, target and weight (when given). The backward needs only the
// input's shape and what the forward saved, but PyTorch 1.13 saves the target and weight (and
// nll_loss its input; cross_entropy's log_softmax saves its own output instead), so they are
// recorded and declared read: changing one in place before backward() is refused exactly where
// PyTorch refuses it. The loss itself is never read.
template <class F>
Tensor record_class_loss(const char* op, Array&& out, const Tensor& input, const Tensor& target,
                         const ClassLossOptions& o, bool reads_input, F&& backward) {
  BackwardReads reads{(reads_input ? 0b1u : 0u) | 0b110u, false};
  if (o.weight) return record(op, std::move(out), {input, target, *o.weight}, std::forward<F>(backward), reads);
  return record(op, std::move(out), {input, target}, std::forward<F>(backward), reads);
}

// loss_r = Σ_c a_c·(−z_c), where z = log_softmax(x) along C (from_logits) or x itself (NLL).
// Backward: d/dx_c = g_r·(softmax_c·Σ a − a_c) from logits, −g_r·a_c otherwise. With class
// indices, a class with a_c = 0 adds nothing (PyTorch gathers the target's z only, so z_c = −inf
// elsewhere is harmless); probabilities multiply every z_c, as PyTorch's p·log_softmax, so
// p_c = 0 at z_c = −inf is NaN there too.
Tensor class_loss(const char* op, const Tensor& input, const Tensor& target, const ClassLossOptions& options,
                  Coefficients coefficients, const ClassLayout& l, bool from_logits, bool probabilities) {
  const Reduction reduction = options.reduction;
  Array a = std::move(coefficients.a);
  const float* x = input.value().data();
  Array z = from_logits ? Array::from_shape(input.shape()) : Array();
  Array losses = Array::from_shape(l.positions);
  for (std::size_t r = 0; r < l.count(); ++r) {
    if (from_logits) {  // log_softmax with the max shifted out: finite for logits of ±1000
      float m = x[l.at(r, 0)];
      for (std::size_t c = 1; c < l.c; ++c) m = std::fmax(m, x[l.at(r, c)]);
      double s = 0.0;
      for (std::size_t c = 0; c < l.c; ++c) s += std::exp(static_cast<double>(x[l.at(r, c)] - m));
      auto log_s = static_cast<float>(std::log(s));  // (x − m) − log s: exact small differences at ±1000
      for (std::size_t c = 0; c < l.c; ++c) z.data()[l.at(r, c)] = (x[l.at(r, c)] - m) - log_s;
    }
    const float* zr = from_logits ? z.data() : x;
    double loss = 0.0;
    for (std::size_t c = 0; c < l.c; ++c) {
      float coef = a.data()[l.at(r, c)];
      if (coef != 0.0f || probabilities) loss -= static_cast<double>(coef) * zr[l.at(r, c)];
    }
    losses.data()[r] = static_cast<float>(loss);
  }
  Array out = detail::reduce_losses(losses, reduction == Reduction::None ? Reduction::None : Reduction::Sum);
  if (coefficients.mean_of_nothing) out() = std::numeric_limits<float>::quiet_NaN();
  return record_class_loss(op, std::move(out), input, target, options, !from_logits,
                           [a = std::move(a), z = std::move(z), l, reduction, from_logits](BackwardContext& ctx) {
                             const Array& g = ctx.grad();
                             Array grad = Array::from_shape(ctx.input_shape(0));
                             for (std::size_t r = 0; r < l.count(); ++r) {
                               float gr = reduction == Reduction::None ? g.data()[r] : g();
                               float total = 0.0f;
                               for (std::size_t c = 0; c < l.c; ++c) total += a.data()[l.at(r, c)];
                               for (std::size_t c = 0; c < l.c; ++c) {
                                 std::size_t k = l.at(r, c);
                                 float softmax = from_logits ? std::exp(z.data()[k]) * total : 0.0f;
                                 grad.data()[k] = gr * (softmax - a.data()[k]);
                               }
                             }
                             ctx.add(0, std::move(grad));
                           });
}

// The common case in one pass each way: input [N, C], class indices, no label smoothing (weight
// and ignore_index cost nothing here). Row r with target t has one coefficient a_r (w_t, over
// Σ w_t for mean; 0 when ignored), so loss_r = a_r·(log s − (x_t − m)) and the backward is
// g·a_r·(softmax − onehot): no [N, C] coefficient array, and the exponentials in one vector
// pass (xsimd, float) instead of a libm call per element. Same arithmetic order as class_loss.
Tensor row_class_loss(const char* op, const Tensor& input, const Tensor& target, const ClassLayout& l,
                      const ClassLossOptions& o) {
  XTGRAD_CHECK(target.shape() == l.positions, op, "expected class indices of shape ", shape_str(l.positions),
               " (or probabilities of the input's shape), got ", shape_str(target.shape()));
  XTGRAD_CHECK(!target.requires_grad(), op, "class-index targets have no gradient; detach() them");
  const std::size_t rows = l.n, classes = l.c;
  const float* x = input.value().data();
  const float* t = target.value().data();
  // a_r and the target class per row (classes for an ignored row: it has no target).
  std::vector<float> coef(rows);
  std::vector<std::size_t> cls(rows);
  double total_weight = 0.0;
  std::size_t counted = 0;
  auto ignore = static_cast<float>(o.ignore_index);
  for (std::size_t r = 0; r < rows; ++r) {
    if (t[r] == ignore) {
      coef[r] = 0.0f;
      cls[r] = classes;
      continue;
    }
    cls[r] = detail::to_index(op, "target", t[r], classes);
    coef[r] = class_weight(o, cls[r]);
    total_weight += coef[r];
    ++counted;
  }
  bool mean_of_nothing = o.reduction == Reduction::Mean && counted == 0;  // see Coefficients
  if (o.reduction == Reduction::Mean && counted > 0) {
    auto scale = static_cast<float>(1.0 / total_weight);
    for (float& a : coef) a *= scale;
  }
  // softmax holds x − m first, then e^(x − m), then e^(x − m) / s.
  Array softmax = Array::from_shape(input.shape());
  float* p = softmax.data();
  std::vector<float> shift(rows);  // m
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * classes;
    float m = xr[0];
    for (std::size_t c = 1; c < classes; ++c) m = xr[c] > m ? xr[c] : m;  // NaN: NaN loss either way
    shift[r] = m;
    for (std::size_t c = 0; c < classes; ++c) p[r * classes + c] = xr[c] - m;
  }
  detail::simd_kernels().forward({detail::Pointwise::Exp}, p, p, rows * classes);
  Array losses = Array::from_shape(l.positions);
  for (std::size_t r = 0; r < rows; ++r) {
    float* pr = p + r * classes;
    double s = 0.0;
    for (std::size_t c = 0; c < classes; ++c) s += pr[c];
    auto log_s = static_cast<float>(std::log(s));
    auto inv_s = static_cast<float>(1.0 / s);
    for (std::size_t c = 0; c < classes; ++c) pr[c] *= inv_s;
    float z = cls[r] < classes ? (x[r * classes + cls[r]] - shift[r]) - log_s : 0.0f;
    losses.data()[r] = coef[r] != 0.0f ? static_cast<float>(-static_cast<double>(coef[r]) * z) : 0.0f;
  }
  Array out = detail::reduce_losses(losses, o.reduction == Reduction::None ? Reduction::None : Reduction::Sum);
  if (mean_of_nothing) out() = std::numeric_limits<float>::quiet_NaN();
  bool per_row = o.reduction == Reduction::None;
  return record_class_loss(op, std::move(out), input, target, o, false,
                           [softmax = std::move(softmax), coef = std::move(coef), cls = std::move(cls), rows, classes,
                            per_row](BackwardContext& ctx) {
                             const Array& g = ctx.grad();
                             Array grad = Array::from_shape(ctx.input_shape(0));
                             for (std::size_t r = 0; r < rows; ++r) {
                               float scale = (per_row ? g.data()[r] : g()) * coef[r];
                               const float* pr = softmax.data() + r * classes;
                               float* dr = grad.data() + r * classes;
                               for (std::size_t c = 0; c < classes; ++c) dr[c] = scale * pr[c];
                               if (cls[r] < classes) dr[cls[r]] = scale * (pr[cls[r]] - 1.0f);
                             }
                             ctx.add(0, std::move(grad));
                           });
}

// PyTorch's unbatched form: input [C] with a 0-d class index (or probabilities [C]) is a batch
// of one, and reduction None gives a 0-d loss.
template <class Loss>
Tensor unbatched(const char* op, const Tensor& input, const Tensor& target, const ClassLossOptions& options,
                 bool probabilities_allowed, Loss loss) {
  bool probabilities = probabilities_allowed && target.shape() == input.shape();
  XTGRAD_CHECK(target.dim() == 0 || probabilities, op, "an input of shape ", shape_str(input.shape()),
               " (one sample) takes a 0-d class index", probabilities_allowed ? " or probabilities of its shape" : "",
               ", got a target of shape ", shape_str(target.shape()));
  Tensor l = loss(unsqueeze(input, 0), unsqueeze(target, 0), options);
  return options.reduction == Reduction::None ? reshape(l, {}) : l;
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, const ClassLossOptions& options) {
  const char* op = "cross_entropy";
  if (input.dim() == 1)
    return unbatched(op, input, target, options, true, [](const Tensor& x, const Tensor& t, const ClassLossOptions& o) {
      return cross_entropy(x, t, o);
    });
  ClassLayout l = class_layout(op, input, options);
  if (target.shape() == input.shape()) {
    XTGRAD_CHECK(!target.requires_grad(), op, "gradients with respect to target are not supported; detach() it");
    XTGRAD_CHECK(options.ignore_index == ClassLossOptions{}.ignore_index, op,
                 "ignore_index is not supported for probability targets (got ", options.ignore_index, ")");
    return class_loss(op, input, target, options, probability_coefficients(target, l, options), l, true, true);
  }
  if (l.inner == 1 && l.c > 0 && options.label_smoothing == 0.0) return row_class_loss(op, input, target, l, options);
  return class_loss(op, input, target, options, index_coefficients(op, target, l, options, options.label_smoothing), l,
                    true, false);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const ClassLossOptions& options) {
  const char* op = "nll_loss";
  if (input.dim() == 1)
    return unbatched(op, input, target, options, false,
                     [](const Tensor& x, const Tensor& t, const ClassLossOptions& o) { return nll_loss(x, t, o); });
  ClassLayout l = class_layout(op, input, options);
  XTGRAD_CHECK(options.label_smoothing == 0.0, op, "label_smoothing applies to cross_entropy only");
  return class_loss(op, input, target, options, index_coefficients(op, target, l, options, 0.0), l, false, false);
}

}  // namespace xtgrad
