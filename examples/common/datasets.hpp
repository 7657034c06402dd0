// Seeded synthetic data sets for the examples: 2-D binary classification sets and the
// "XOR of two marked bits" sequence task. The same generator state gives the same data.
#pragma once

#include <string>
#include <vector>

#include <xtgrad/xtgrad.hpp>

namespace xtgrad::examples {

/// Features x [N, F] (or [N, T, F] for sequences) and 0/1 labels y [N, 1].
struct Dataset {
  Array x;
  Array y;
  std::size_t size() const { return x.shape()[0]; }
};

/// The 2-D sets mlp_2d offers, by the names its --dataset flag takes.
const std::vector<std::string>& dataset_2d_names();

/// Two interleaving half circles (scikit-learn's make_moons, centred): n/2 points per class,
/// Gaussian noise of standard deviation `noise` on each coordinate. Label 1 is the lower moon.
Dataset make_moons(std::size_t n, float noise, Generator& gen);
/// A circle of radius 1 (label 0) around one of radius 0.5 (label 1), with noise.
Dataset make_circles(std::size_t n, float noise, Generator& gen);
/// Two spirals winding 1.5 turns around the origin, half a turn apart.
Dataset make_spirals(std::size_t n, float noise, Generator& gen);
/// Four Gaussian blobs at (±1, ±1); label 1 where the signs of x and y differ (XOR).
Dataset make_xor_blobs(std::size_t n, float noise, Generator& gen);
/// One of the above by name; throws std::invalid_argument for an unknown name.
Dataset make_2d(const std::string& name, std::size_t n, float noise, Generator& gen);
/// The noise each 2-D set looks right with.
float default_noise_2d(const std::string& name);

/// `count` sequences of `steps` steps [bit, marker]: exactly two steps have marker 1 and a
/// random bit; every other step is (0, 0). Label = XOR of the two marked bits.
/// x [count, steps, 2], y [count, 1]. Needs steps >= 2.
Dataset make_marked_xor(std::size_t count, std::size_t steps, Generator& gen);

}  // namespace xtgrad::examples
