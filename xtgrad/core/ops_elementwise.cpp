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

// For the ops whose gradient needs only g (and the inputs' shapes, which are kept): their inputs'
// and output's values may be freed early, and changing them in place before backward() is fine
// (kReadsNothing, autograd.hpp).

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
  return record("mul", std::move(y), {a, b}, [](BackwardContext& ctx) {
    // d(a*b)/da = b, d(a*b)/db = a
    auto times = [](float g, float v) { return g * v; };
    if (ctx.wants(0)) ctx.add(0, broadcast_map2("mul", ctx.grad(), ctx.input(1), times));
    if (ctx.wants(1)) ctx.add(1, broadcast_map2("mul", ctx.grad(), ctx.input(0), times));
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Array y = broadcast_map2("div", a.value(), b.value(), [](float x, float z) { return x / z; });
  return record("div", std::move(y), {a, b}, [](BackwardContext& ctx) {
    // d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -y/b
    if (ctx.wants(0))
      ctx.add(0, broadcast_map2("div", ctx.grad(), ctx.input(1), [](float g, float v) { return g / v; }));
    if (ctx.wants(1)) {
      Array gy = detail::map2(ctx.grad(), ctx.output(), [](float g, float v) { return -g * v; });
      ctx.add(1, broadcast_map2("div", gy, ctx.input(1), [](float g, float v) { return g / v; }));
    }
  });
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
  return record("mul", map(a.value(), [b](float x) { return x * b; }), {a},
                [b](BackwardContext& ctx) { ctx.add(0, map(ctx.grad(), [b](float g) { return g * b; })); });
}

Tensor div(const Tensor& a, float b) {
  return record("div", map(a.value(), [b](float x) { return x / b; }), {a},
                [b](BackwardContext& ctx) { ctx.add(0, map(ctx.grad(), [b](float g) { return g / b; })); });
}

Tensor div(float a, const Tensor& b) {
  return record("div", map(b.value(), [a](float x) { return a / x; }), {b}, [](BackwardContext& ctx) {
    // d(a/b)/db = -a/b² = -y/b
    Array gy = detail::map2(ctx.grad(), ctx.output(), [](float g, float y) { return -g * y; });
    ctx.add(0, detail::map2(gy, ctx.input(0), [](float g, float x) { return g / x; }));
  });
}

Tensor neg(const Tensor& a) { return mul(a, -1.0f); }

Tensor exp(const Tensor& a) {
  return record("exp", map(a.value(), [](float x) { return std::exp(x); }), {a}, [](BackwardContext& ctx) {
    ctx.add(0, detail::map2(ctx.grad(), ctx.output(), [](float g, float y) { return g * y; }));
  });
}

Tensor log(const Tensor& a) {
  return record("log", map(a.value(), [](float x) { return std::log(x); }), {a}, [](BackwardContext& ctx) {
    ctx.add(0, detail::map2(ctx.grad(), ctx.input(0), [](float g, float x) { return g / x; }));
  });
}

Tensor sqrt(const Tensor& a) {
  return record("sqrt", map(a.value(), [](float x) { return std::sqrt(x); }), {a}, [](BackwardContext& ctx) {
    // d sqrt(x) = 1 / (2 sqrt(x)), from the saved output
    ctx.add(0, detail::map2(ctx.grad(), ctx.output(), [](float g, float y) { return g / (2.0f * y); }));
  });
}

Tensor pow(const Tensor& a, float p) {
  return record("pow", map(a.value(), [p](float x) { return std::pow(x, p); }), {a}, [p](BackwardContext& ctx) {
    // d x^p = p x^(p-1); exactly 0 when p = 0, as in PyTorch
    ctx.add(0, detail::map2(ctx.grad(), ctx.input(0),
                            [p](float g, float x) { return p == 0.0f ? 0.0f : g * p * std::pow(x, p - 1.0f); }));
  });
}

Tensor abs(const Tensor& a) {
  return record("abs", map(a.value(), [](float x) { return std::fabs(x); }), {a}, [](BackwardContext& ctx) {
    ctx.add(0, detail::map2(ctx.grad(), ctx.input(0),
                            [](float g, float x) { return x > 0.0f ? g : (x < 0.0f ? -g : 0.0f); }));
  });
}

Tensor clamp(const Tensor& a, float low, float high) {
  // min(max(x, low), high), NaN kept: with low > high every element is high, as PyTorch documents.
  Array y = map(a.value(), [low, high](float x) { return std::min(std::max(x, low), high); });
  return record("clamp", std::move(y), {a}, [low, high](BackwardContext& ctx) {
    ctx.add(0, detail::map2(ctx.grad(), ctx.input(0),
                            [low, high](float g, float x) { return x >= low && x <= high ? g : 0.0f; }));
  });
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
