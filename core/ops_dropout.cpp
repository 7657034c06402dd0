// Dropout as a function (inverted dropout, as torch.nn.functional.dropout): the scaling
// happens in training, so inference is the identity.
#include "autograd.hpp"
#include "detail/check.hpp"
#include "ops.hpp"
#include "random.hpp"

namespace xtgrad {

Tensor dropout(const Tensor& x, float p, bool training, Generator& generator) {
  XTGRAD_CHECK(p >= 0.0f && p <= 1.0f, "dropout", "probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0.0f) return x;  // x itself, as PyTorch: no copy, no tape entry
  // mask = keep / (1 − p), with keep ~ Bernoulli(1 − p); p = 1 keeps nothing (no 0/0).
  Array mask = Array::from_shape(x.value().shape());
  float scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
  for (float& m : mask) m = generator.uniform() >= p ? scale : 0.0f;
  Array y = x.value() * mask;
  return record("dropout", std::move(y), {x}, [mask = std::move(mask)](BackwardContext& ctx) {
    ctx.add(0, Array(ctx.grad() * mask));  // dy/dx = mask
  });
}

Tensor dropout(const Tensor& x, float p, bool training) { return dropout(x, p, training, default_generator()); }

}  // namespace xtgrad
