// Generator: uniform from the top 24 bits of the engine (exact in float32), normal by Box-Muller.
#include "xtgrad/core/random.hpp"

#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "xtgrad/core/detail/simd_kernels.hpp"

namespace xtgrad {

static_assert(detail::kMt64StateWords == 312, "Generator's state is MT19937-64's");

void Generator::manual_seed(std::uint64_t seed) {
  // MT19937-64's seeding (f = 6364136223846793005), as std::mt19937_64::seed.
  words_[0] = seed;
  for (std::size_t i = 1; i < kWords; ++i)
    words_[i] = 6364136223846793005ULL * (words_[i - 1] ^ (words_[i - 1] >> 62)) + i;
  index_ = kWords;
  has_spare_ = false;
}

void Generator::refill() {
  detail::simd_kernels().mt19937_64_twist(words_.data());
  index_ = 0;
}

float Generator::uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

float Generator::uniform(float low, float high) { return low + (high - low) * uniform(); }

float Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // u1 in (0, 1] so the log is finite; computed in double for accurate tails.
  double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53;
  double u2 = static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
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
  do r = next_u64();
  while (r >= limit);
  return static_cast<std::size_t>(r % n);
}

// The text libstdc++ writes for a std::mt19937_64 (its words, then its index), then the cached
// normal; checkpoints written before the engine moved here read back unchanged.
std::string Generator::state() const {
  std::ostringstream os;
  for (std::uint64_t w : words_) os << w << ' ';
  std::uint32_t spare_bits;
  std::memcpy(&spare_bits, &spare_, sizeof spare_bits);
  os << index_ << ' ' << (has_spare_ ? 1 : 0) << ' ' << spare_bits;
  return os.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream is(state);
  std::array<std::uint64_t, kWords> words;
  std::size_t index = kWords + 1;
  int has_spare = -1;
  std::uint32_t spare_bits = 0;
  for (std::uint64_t& w : words) is >> w;
  is >> index >> has_spare >> spare_bits;
  std::string rest;
  float spare = 0.0f;
  std::memcpy(&spare, &spare_bits, sizeof spare);
  if (is.fail() || index > kWords || (has_spare != 0 && has_spare != 1) || (is >> rest))
    throw std::invalid_argument("Generator::set_state: not a generator state written by Generator::state()");
  // normal() returns the cached one as it is, so a NaN or infinity there would be the next sample.
  if (has_spare == 1 && !std::isfinite(spare))
    throw std::invalid_argument("Generator::set_state: the cached normal is " + std::to_string(spare) + " (bits " +
                                std::to_string(spare_bits) + "); normal() caches finite values only");
  words_ = words;
  index_ = index;
  has_spare_ = has_spare == 1;
  spare_ = spare;
}

Generator& default_generator() {
  thread_local Generator gen;
  return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace xtgrad
