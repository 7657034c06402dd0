// The generators draw every number from the caller's Generator, in a fixed order, so a seed
// fixes the data set on every platform.
#include "datasets.hpp"

#include <cmath>
#include <stdexcept>

namespace xtgrad::examples {
namespace {

constexpr float kPi = 3.14159265358979f;

// n rows of 2-D points; fill(i, label, x, y) sets point i of the given class.
template <class Fill>
Dataset two_classes(std::size_t n, Fill fill) {
  Dataset d{Array::from_shape({n, std::size_t{2}}), Array::from_shape({n, std::size_t{1}})};
  for (std::size_t i = 0; i < n; ++i) {
    int label = i < n / 2 ? 0 : 1;
    float x = 0.0f, y = 0.0f;
    fill(label, x, y);
    d.x(i, 0) = x;
    d.x(i, 1) = y;
    d.y(i, 0) = static_cast<float>(label);
  }
  return d;
}

}  // namespace

const std::vector<std::string>& dataset_2d_names() {
  static const std::vector<std::string> names{"moons", "circles", "spirals", "xor"};
  return names;
}

Dataset make_moons(std::size_t n, float noise, Generator& gen) {
  return two_classes(n, [&](int label, float& x, float& y) {
    float t = gen.uniform(0.0f, kPi);
    // upper moon (cos t, sin t); lower moon (1 − cos t, 0.5 − sin t); centred on the origin
    x = (label == 0 ? std::cos(t) : 1.0f - std::cos(t)) - 0.5f + noise * gen.normal();
    y = (label == 0 ? std::sin(t) : 0.5f - std::sin(t)) - 0.25f + noise * gen.normal();
  });
}

Dataset make_circles(std::size_t n, float noise, Generator& gen) {
  return two_classes(n, [&](int label, float& x, float& y) {
    float t = gen.uniform(0.0f, 2.0f * kPi);
    float radius = label == 0 ? 1.0f : 0.5f;
    x = radius * std::cos(t) + noise * gen.normal();
    y = radius * std::sin(t) + noise * gen.normal();
  });
}

Dataset make_spirals(std::size_t n, float noise, Generator& gen) {
  return two_classes(n, [&](int label, float& x, float& y) {
    // radius grows linearly with the angle, from 0.1 to 1 over 1.5 turns
    float t = gen.uniform();
    float radius = 0.1f + 0.9f * t;
    float angle = 3.0f * kPi * t + static_cast<float>(label) * kPi;
    x = radius * std::cos(angle) + noise * gen.normal();
    y = radius * std::sin(angle) + noise * gen.normal();
  });
}

Dataset make_xor_blobs(std::size_t n, float noise, Generator& gen) {
  return two_classes(n, [&](int label, float& x, float& y) {
    // class 0 at (1, 1) or (−1, −1); class 1 at (1, −1) or (−1, 1)
    float sx = gen.below(2) ? 1.0f : -1.0f;
    float sy = label == 0 ? sx : -sx;
    x = sx + noise * gen.normal();
    y = sy + noise * gen.normal();
  });
}

Dataset make_2d(const std::string& name, std::size_t n, float noise, Generator& gen) {
  if (name == "moons") return make_moons(n, noise, gen);
  if (name == "circles") return make_circles(n, noise, gen);
  if (name == "spirals") return make_spirals(n, noise, gen);
  if (name == "xor") return make_xor_blobs(n, noise, gen);
  throw std::invalid_argument("make_2d: expected moons, circles, spirals or xor, got '" + name + "'");
}

float default_noise_2d(const std::string& name) {
  if (name == "moons") return 0.15f;
  if (name == "circles") return 0.08f;
  if (name == "spirals") return 0.04f;
  if (name == "xor") return 0.35f;
  throw std::invalid_argument("default_noise_2d: unknown data set '" + name + "'");
}

Dataset make_marked_xor(std::size_t count, std::size_t steps, Generator& gen) {
  if (steps < 2)
    throw std::invalid_argument("make_marked_xor: expected at least 2 steps, got " + std::to_string(steps));
  Dataset d{xt::zeros<float>({count, steps, std::size_t{2}}), Array::from_shape({count, std::size_t{1}})};
  for (std::size_t n = 0; n < count; ++n) {
    // two distinct positions: the second is drawn from the steps − 1 that remain
    std::size_t first = gen.below(steps), second = gen.below(steps - 1);
    if (second >= first) ++second;
    int bit_a = static_cast<int>(gen.below(2)), bit_b = static_cast<int>(gen.below(2));
    d.x(n, first, 0) = static_cast<float>(bit_a);
    d.x(n, second, 0) = static_cast<float>(bit_b);
    d.x(n, first, 1) = d.x(n, second, 1) = 1.0f;
    d.y(n, 0) = static_cast<float>(bit_a ^ bit_b);
  }
  return d;
}

}  // namespace xtgrad::examples
