// Seeded random numbers, identical run after run and across platforms (no std::*_distribution).
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// A 64-bit Mersenne Twister with its own uniform and normal draws.
class Generator {
 public:
  explicit Generator(std::uint64_t seed = 5489u) { manual_seed(seed); }
  void manual_seed(std::uint64_t seed);
  std::uint64_t next_u64() { return engine_(); }
  float uniform();                      ///< on [0, 1)
  float uniform(float low, float high); ///< on [low, high)
  float normal();                       ///< standard normal (Box-Muller)
  std::size_t below(std::size_t n);     ///< uniform integer on [0, n)

  /// The full state as text (engine and any cached normal), so a checkpoint can resume a run
  /// bit-identically; set_state throws std::invalid_argument on text it did not write.
  std::string state() const;
  void set_state(const std::string& state);

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

/// The calling thread's default generator: threads never share one, so two threads that
/// each seed their own get the same numbers as one thread would.
Generator& default_generator();
void manual_seed(std::uint64_t seed);

}  // namespace xtgrad

XTGRAD_API_END
