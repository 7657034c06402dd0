// DistributedSampler: every row exactly once per epoch across the job's ranks, PyTorch's
// padding and drop_last, per-epoch reshuffles, and its state through a checkpoint's Value.
#include <doctest/doctest.h>

#include <algorithm>

#include "group.hpp"

using namespace xtgrad;

namespace {

/// How often each row appears across all ranks' shards this epoch, summed over the job.
std::vector<double> row_counts(const DistributedSampler& sampler, std::size_t rows) {
  std::vector<double> counts(rows, 0.0);
  for (std::size_t i : sampler.indices()) counts.at(i) += 1;
  return test_group().all_reduce_sum(counts);
}

/// Every shard of a world of `ranks`, computed in this one process.
std::vector<std::vector<std::size_t>> all_shards(std::size_t rows, int ranks, bool drop_last, std::int64_t epoch) {
  std::vector<std::vector<std::size_t>> shards;
  for (int r = 0; r < ranks; ++r) {
    DistributedSampler sampler(rows, ranks, r, true, 7, drop_last);
    sampler.set_epoch(epoch);
    shards.push_back(sampler.indices());
  }
  return shards;
}

}  // namespace

TEST_CASE("DistributedSampler: the ranks' shards cover every row exactly once per epoch") {
  const ProcessGroup& group = test_group();
  std::size_t rows = 6 * static_cast<std::size_t>(group.world_size()) * 5;
  DistributedSampler sampler(rows, group.world_size(), group.rank(), /*shuffle=*/true, /*seed=*/42);
  CHECK(sampler.num_samples() == rows / static_cast<std::size_t>(group.world_size()));
  for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
    sampler.set_epoch(epoch);
    std::vector<double> counts = row_counts(sampler, rows);
    CHECK(std::all_of(counts.begin(), counts.end(), [](double c) { return c == 1.0; }));
  }
}

TEST_CASE("DistributedSampler: an uneven split pads by repeating rows, or drops the tail") {
  // 11 rows, 3 ranks. PyTorch: 4 rows each, the order padded with its first entry; with drop_last 3 each.
  auto padded = all_shards(11, 3, false, 0);
  std::vector<int> seen(11, 0);
  for (const auto& shard : padded) {
    CHECK(shard.size() == 4);
    for (std::size_t i : shard) seen[i] += 1;
  }
  CHECK(std::count(seen.begin(), seen.end(), 1) == 10);
  CHECK(std::count(seen.begin(), seen.end(), 2) == 1);
  CHECK(padded[2][3] == padded[0][0]);  // position 11 of the order is position 0 again

  auto dropped = all_shards(11, 3, true, 0);
  std::fill(seen.begin(), seen.end(), 0);
  for (const auto& shard : dropped) {
    CHECK(shard.size() == 3);
    for (std::size_t i : shard) seen[i] += 1;
  }
  CHECK(std::count(seen.begin(), seen.end(), 1) == 9);
  CHECK(std::count(seen.begin(), seen.end(), 0) == 2);

  // Fewer rows than ranks: padding wraps around the order more than once.
  for (const auto& shard : all_shards(2, 5, false, 0)) CHECK(shard.size() == 1);
  // [list(DistributedSampler(range(2), num_replicas=5, rank=r, shuffle=False)) for r in range(5)]
  // -> [[0], [1], [0], [1], [0]]: the order 0 1 padded to 0 1 0 1 0
  for (int r = 0; r < 5; ++r)
    CHECK(DistributedSampler(2, 5, r, false).indices() == std::vector<std::size_t>{static_cast<std::size_t>(r % 2)});
  // With drop_last PyTorch gives every rank an empty list; xtgrad refuses a sampler that trains on nothing.
  CHECK_THROWS_WITH_AS(DistributedSampler(2, 5, 0, true, 0, true),
                       "DistributedSampler: drop_last leaves no rows: 2 rows for 5 ranks", std::invalid_argument);
}

TEST_CASE("DistributedSampler: reshuffled per epoch from the seed, the same on every call") {
  CHECK(all_shards(100, 2, false, 0) == all_shards(100, 2, false, 0));
  CHECK(all_shards(100, 2, false, 0) != all_shards(100, 2, false, 1));
  DistributedSampler in_order(10, 2, 1, /*shuffle=*/false);
  CHECK(in_order.indices() == std::vector<std::size_t>{1, 3, 5, 7, 9});
  CHECK_THROWS_WITH_AS(DistributedSampler(10, 2, 2), "DistributedSampler: rank must be in [0, 2), got 2",
                       std::invalid_argument);
}

TEST_CASE("DistributedSampler: its state resumes with another number of ranks") {
  // Saved by a 2-rank run after epoch 4 ...
  DistributedSampler saved(30, 2, 0, true, /*seed=*/9);
  saved.set_epoch(5);
  Value stored = to_value(saved.state());
  CHECK(stored == Value(Value::Dict{{"seed", 9}, {"epoch", 5}}));
  // ... resumed by 3 ranks: epoch 5's order, cut three ways, still covers every row once.
  std::vector<int> seen(30, 0);
  for (int r = 0; r < 3; ++r) {
    DistributedSampler resumed(30, 3, r, true, /*seed=*/0);
    resumed.load_state(sampler_state_from_value(stored));
    CHECK(resumed.state().epoch == 5);
    for (std::size_t i : resumed.indices()) seen[i] += 1;
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
  CHECK_THROWS_AS(sampler_state_from_value(Value(3)), std::invalid_argument);
}
