// Seeded random numbers, identical run after run and across platforms (no std::*_distribution).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// A 64-bit Mersenne Twister with its own uniform and normal draws. Its words are those of
/// std::mt19937_64 seeded alike, and its state text is libstdc++'s; the engine is written out here
/// so that its block regeneration runs the vector kernel of the CPU's instruction set.
class Generator {
 public:
  explicit Generator(std::uint64_t seed = 5489u) { manual_seed(seed); }
  void manual_seed(std::uint64_t seed);
  std::uint64_t next_u64() {
    if (index_ == kWords) refill();
    // MT19937-64's tempering (u = 29, d, s = 17, b, t = 37, c, l = 43).
    std::uint64_t z = words_[index_++];
    z ^= (z >> 29) & 0x5555555555555555ULL;
    z ^= (z << 17) & 0x71d67fffeda60000ULL;
    z ^= (z << 37) & 0xfff7eee000000000ULL;
    return z ^ (z >> 43);
  }
  float uniform();                       ///< on [0, 1)
  float uniform(float low, float high);  ///< on [low, high)
  float normal();                        ///< standard normal (Box-Muller)
  std::size_t below(std::size_t n);      ///< uniform integer on [0, n)

  /// The full state as text (engine and any cached normal), so a checkpoint can resume a run
  /// bit-identically; set_state throws std::invalid_argument on text it did not write.
  std::string state() const;
  void set_state(const std::string& state);

 private:
  static constexpr std::size_t kWords = 312;  // MT19937-64's state size n
  void refill();                              // the next block of words; index_ back to 0
  std::array<std::uint64_t, kWords> words_{};
  std::size_t index_ = kWords;
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

/// The calling thread's default generator: threads never share one, so two threads that
/// each seed their own get the same numbers as one thread would.
Generator& default_generator();
void manual_seed(std::uint64_t seed);

}  // namespace xtgrad

XTGRAD_API_END
