// What the data-parallel tests share: a small MLP, a batch, this rank's rows of it, and checks
// that parameters are identical on every rank or close to a reference, and a module whose
// parameters only some ranks use.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xview.hpp>
#include <xtgrad/xtgrad.hpp>

#include "group.hpp"

namespace xtgrad::test {

constexpr std::size_t kBatch = 48;  // divisible by 1, 2, 3, 4, 6 and 8 ranks

inline std::shared_ptr<Sequential> small_mlp(std::uint64_t seed, std::size_t hidden = 16) {
  Generator gen(seed);
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(8, hidden, true, gen), std::make_shared<Tanh>(),
      std::make_shared<Linear>(hidden, hidden, true, gen), std::make_shared<ReLU>(),
      std::make_shared<Linear>(hidden, 1, true, gen)});
}

/// The unsharded reductions every data-parallel test runs under: MPI_Allreduce, the shared
/// window, and the shared window with each rank a pretend-node of its own, so the path between
/// nodes (MPI_Allreduce of each local index's part) runs on one machine.
struct ReductionCase {
  const char* name;
  DataParallelOptions options;
};
inline std::vector<ReductionCase> reductions() {
  return {{"mpi_allreduce", DataParallelOptions().reduction(GradientReduction::mpi_allreduce)},
          {"shared_memory", DataParallelOptions().reduction(GradientReduction::shared_memory)},
          {"shared_memory between pretend-nodes of one rank",
           DataParallelOptions().reduction(GradientReduction::shared_memory).ranks_per_node(1)}};
}

/// The whole batch, identical on every rank: x [kBatch, 8], y [kBatch, 1] in {0, 1}.
inline std::pair<Array, Array> batch(std::uint64_t seed) {
  Generator gen(seed);
  Array x = randn({kBatch, 8}, gen).value();
  Array y = Array::from_shape({kBatch, 1});
  for (std::size_t i = 0; i < kBatch; ++i) y(i, 0) = x(i, 0) + 0.5f * x(i, 1) > 0.0f ? 1.0f : 0.0f;
  return {x, y};
}

/// This rank's contiguous rows of `a`: B / N of them.
inline Tensor shard(const Array& a) {
  const ProcessGroup& group = test_group();
  std::size_t rows = a.shape()[0] / static_cast<std::size_t>(group.world_size());
  std::size_t first = rows * static_cast<std::size_t>(group.rank());
  return Tensor(Array(xt::view(a, xt::range(first, first + rows), xt::all())));
}

/// FNV-1a over the bytes of every parameter: equal hashes mean bit-identical parameters.
inline std::uint64_t values_hash(const Module& module) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const auto& [name, p] : module.named_parameters()) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(p.value().data());
    for (std::size_t i = 0; i < p.numel() * sizeof(float); ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
  }
  return hash;
}

inline bool same_on_every_rank(std::uint64_t value) {
  std::vector<std::uint64_t> all = test_group().all_gather(value);
  for (std::uint64_t v : all)
    if (v != all[0]) return false;
  return true;
}

inline float max_abs_diff(const Array& a, const Array& b) {
  REQUIRE(a.shape() == b.shape());
  float worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
  return worst;
}

/// Every parameter of `model` within 1e-5 of the same one in `reference`.
inline void require_close(const Module& model, const Module& reference) {
  NamedTensors expected = reference.named_parameters(), got = model.named_parameters();
  REQUIRE(got.size() == expected.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    CAPTURE(got[k].first);
    REQUIRE(max_abs_diff(got[k].second.value(), expected[k].second.value()) <= 1e-5f);
  }
}

// Three parameters of n values: `used` is in every rank's loss, `rank0_only` only in rank 0's,
// `never` in none.
struct PartlyUsed : Module {
  explicit PartlyUsed(std::size_t n)
      : used(register_parameter("used", full({n}, 1.0f))),
        rank0_only(register_parameter("rank0_only", full({n}, 3.0f))),
        never(register_parameter("never", full({n}, 4.0f))) {}
  Tensor used, rank0_only, never;
  std::string type_name() const override { return "PartlyUsed"; }
};

}  // namespace xtgrad::test
