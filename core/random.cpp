// Generator: uniform from the top 24 bits of the engine (exact in float32), normal by Box-Muller.
#include "random.hpp"

#include <cmath>

namespace xtgrad {

void Generator::manual_seed(std::uint64_t seed) {
  engine_.seed(seed);
  has_spare_ = false;
}

float Generator::uniform() { return static_cast<float>(engine_() >> 40) * 0x1.0p-24f; }

float Generator::uniform(float low, float high) { return low + (high - low) * uniform(); }

float Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // u1 in (0, 1] so the log is finite; computed in double for accurate tails.
  double u1 = (static_cast<double>(engine_() >> 11) + 1.0) * 0x1.0p-53;
  double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
  double radius = std::sqrt(-2.0 * std::log(u1));
  double angle = 2.0 * M_PI * u2;
  spare_ = static_cast<float>(radius * std::sin(angle));
  has_spare_ = true;
  return static_cast<float>(radius * std::cos(angle));
}

std::size_t Generator::below(std::size_t n) {
  // Rejection sampling avoids the modulo bias.
  std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t r;
  do r = engine_(); while (r >= limit);
  return static_cast<std::size_t>(r % n);
}

Generator& default_generator() {
  thread_local Generator gen;
  return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace xtgrad
