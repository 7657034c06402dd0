// Elementwise arithmetic ops, each forward with its backward right below it.
#include <algorithm>
#include <cmath>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/elementwise.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {

using detail::broadcast_map2;
using detail::map;

// What each backward reads (BackwardReads) is what PyTorch 1.13 saves for it, so a value nobody
// reads is freed early, and backward() refuses an in-place change exactly where PyTorch does.
// kReadsNothing: the gradient needs only g (and the inputs' shapes, which are kept).

Tensor add(const Tensor& a, const Tensor& b) {
  Array y = broadcast_map2("add", a.value(), b.value(), [](float x, float z) { return x + z; });
  return record(
      "add", std::move(y), {a, b},
      [](BackwardContext& ctx) {
        ctx.add(0, ctx.grad());
        ctx.add(1, ctx.grad());
      },
      kReadsNothing);
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Array y = broadcast_map2("sub", a.value(), b.value(), [](float x, float z) { return x - z; });
  return record(
      "sub", std::move(y), {a, b},
      [](BackwardContext& ctx) {
        ctx.add(0, ctx.grad());
        if (ctx.wants(1)) ctx.add(1, map(ctx.grad(), [](float g) { return -g; }));
      },
      kReadsNothing);
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Array y = broadcast_map2("mul", a.value(), b.value(), [](float x, float z) { return x * z; });
  return record(
      "mul", std::move(y), {a, b},
      [](BackwardContext& ctx) {
        // d(a*b)/da = b, d(a*b)/db = a
        auto times = [](float g, float v) { return g * v; };
        if (ctx.wants(0)) ctx.add(0, broadcast_map2("mul", ctx.grad(), ctx.input(1), times));
        if (ctx.wants(1)) ctx.add(1, broadcast_map2("mul", ctx.grad(), ctx.input(0), times));
      },
      product_reads(a, b));
}

Tensor div(const Tensor& a, const Tensor& b) {
  Array y = broadcast_map2("div", a.value(), b.value(), [](float x, float z) { return x / z; });
  // Reads b for both gradients and a only for b's (as PyTorch), never the output.
  BackwardReads reads{(b.requires_grad() ? 1u : 0u) | 2u, false};
  return record(
      "div", std::move(y), {a, b},
      [](BackwardContext& ctx) {
        // d(a/b)/da = 1/b, d(a/b)/db = -a/b², computed as PyTorch does: -g·((a/b)/b)
        if (ctx.wants(0))
          ctx.add(0, broadcast_map2("div", ctx.grad(), ctx.input(1), [](float g, float v) { return g / v; }));
        if (ctx.wants(1)) {
          Array q = broadcast_map2("div", ctx.input(0), ctx.input(1), [](float x, float z) { return x / z / z; });
          ctx.add(1, detail::map2(ctx.grad(), q, [](float g, float v) { return -g * v; }));
        }
      },
      reads);
}

Tensor add(const Tensor& a, float b) {
  return record(
      "add", map(a.value(), [b](float x) { return x + b; }), {a}, [](BackwardContext& ctx) { ctx.add(0, ctx.grad()); },
      kReadsNothing);
}

Tensor sub(const Tensor& a, float b) { return add(a, -b); }

Tensor sub(float a, const Tensor& b) {
  return record(
      "sub", map(b.value(), [a](float x) { return a - x; }), {b},
      [](BackwardContext& ctx) { ctx.add(0, map(ctx.grad(), [](float g) { return -g; })); }, kReadsNothing);
}

Tensor mul(const Tensor& a, float b) {
  return record(
      "mul", map(a.value(), [b](float x) { return x * b; }), {a},
      [b](BackwardContext& ctx) { ctx.add(0, map(ctx.grad(), [b](float g) { return g * b; })); }, kReadsNothing);
}

Tensor div(const Tensor& a, float b) {
  return record(
      "div", map(a.value(), [b](float x) { return x / b; }), {a},
      [b](BackwardContext& ctx) { ctx.add(0, map(ctx.grad(), [b](float g) { return g / b; })); }, kReadsNothing);
}

Tensor div(float a, const Tensor& b) {
  Array y = map(b.value(), [a](float x) { return a / x; });
  if (!will_record({b})) return Tensor(std::move(y));
  // PyTorch computes a / b as a · reciprocal(b) and saves only the reciprocal, its own
  // intermediate: changing b or the output in place before backward() is fine, so this keeps
  // r = 1/b itself (as PyTorch, one array more than the output while the graph lives).
  Array r = map(b.value(), [](float x) { return 1.0f / x; });
  return record(
      "div", std::move(y), {b},
      [a, r = std::move(r)](BackwardContext& ctx) {
        // d(a/b)/db = -a/b² = -(g·a)·r², as PyTorch's reciprocal backward
        ctx.add(0, detail::map2(ctx.grad(), r, [a](float g, float v) { return -(g * a) * (v * v); }));
      },
      kReadsNothing);
}

Tensor neg(const Tensor& a) { return mul(a, -1.0f); }

Tensor exp(const Tensor& a) {
  return record(
      "exp", map(a.value(), [](float x) { return std::exp(x); }), {a},
      [](BackwardContext& ctx) {
        ctx.add(0, detail::map2(ctx.grad(), ctx.output(), [](float g, float y) { return g * y; }));
      },
      kReadsOutput);
}

Tensor log(const Tensor& a) {
  return record(
      "log", map(a.value(), [](float x) { return std::log(x); }), {a},
      [](BackwardContext& ctx) {
        ctx.add(0, detail::map2(ctx.grad(), ctx.input(0), [](float g, float x) { return g / x; }));
      },
      kReadsInputs);
}

Tensor sqrt(const Tensor& a) {
  return record(
      "sqrt", map(a.value(), [](float x) { return std::sqrt(x); }), {a},
      [](BackwardContext& ctx) {
        // d sqrt(x) = 1 / (2 sqrt(x)), from the saved output
        ctx.add(0, detail::map2(ctx.grad(), ctx.output(), [](float g, float y) { return g / (2.0f * y); }));
      },
      kReadsOutput);
}

Tensor pow(const Tensor& a, float p) {
  return record(
      "pow", map(a.value(), [p](float x) { return std::pow(x, p); }), {a},
      [p](BackwardContext& ctx) {
        // d x^p = p x^(p-1); exactly 0 when p = 0, as in PyTorch (which saves the input even then)
        ctx.add(0, detail::map2(ctx.grad(), ctx.input(0),
                                [p](float g, float x) { return p == 0.0f ? 0.0f : g * p * std::pow(x, p - 1.0f); }));
      },
      kReadsInputs);
}

Tensor abs(const Tensor& a) {
  return record(
      "abs", map(a.value(), [](float x) { return std::fabs(x); }), {a},
      [](BackwardContext& ctx) {
        ctx.add(0, detail::map2(ctx.grad(), ctx.input(0),
                                [](float g, float x) { return x > 0.0f ? g : (x < 0.0f ? -g : 0.0f); }));
      },
      kReadsInputs);
}

Tensor clamp(const Tensor& a, float low, float high) {
  // min(max(x, low), high), NaN kept: with low > high every element is high, as PyTorch documents.
  Array y = map(a.value(), [low, high](float x) { return std::min(std::max(x, low), high); });
  return record(
      "clamp", std::move(y), {a},
      [low, high](BackwardContext& ctx) {
        ctx.add(0, detail::map2(ctx.grad(), ctx.input(0),
                                [low, high](float g, float x) { return x >= low && x <= high ? g : 0.0f; }));
      },
      kReadsInputs);
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, float b) { return add(a, b); }
Tensor operator+(float a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, float b) { return sub(a, b); }
Tensor operator-(float a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, float b) { return mul(a, b); }
Tensor operator*(float a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, float b) { return div(a, b); }
Tensor operator/(float a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace xtgrad
