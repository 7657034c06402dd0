// DistributedSampler: PyTorch's shard arithmetic over a seeded per-epoch shuffle.
#include "xtgrad/distributed/sampler.hpp"

#include <cstdint>
#include <numeric>
#include <string>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/random.hpp"

namespace xtgrad {

Value to_value(const SamplerState& state) {
  Value v = Value::dict();
  v["seed"] = static_cast<long long>(state.seed);  // a Value integer is int64: seeds above 2^63 wrap, and come back
  v["epoch"] = static_cast<long long>(state.epoch);
  return v;
}

SamplerState sampler_state_from_value(const Value& value) {
  XTGRAD_CHECK(value.is_dict(), "DistributedSampler", "expected a sampler state object, got ", value.kind_name());
  SamplerState state;
  state.seed = static_cast<std::uint64_t>(value.get_int("seed"));
  state.epoch = value.get_int_in("epoch", 0, INT64_MAX);
  return state;
}

DistributedSampler::DistributedSampler(std::size_t dataset_size, int num_replicas, int rank, bool shuffle,
                                       std::uint64_t seed, bool drop_last)
    : dataset_size_(dataset_size), num_replicas_(num_replicas), rank_(rank), shuffle_(shuffle), drop_last_(drop_last) {
  XTGRAD_CHECK(num_replicas > 0, "DistributedSampler", "num_replicas must be positive, got ", num_replicas);
  XTGRAD_CHECK(rank >= 0 && rank < num_replicas, "DistributedSampler", "rank must be in [0, ", num_replicas, "), got ",
               rank);
  auto replicas = static_cast<std::size_t>(num_replicas);
  // PyTorch: drop_last keeps floor(n / replicas) rows per rank, otherwise ceil(n / replicas).
  num_samples_ = drop_last ? dataset_size / replicas : (dataset_size + replicas - 1) / replicas;
  XTGRAD_CHECK(num_samples_ > 0 || dataset_size == 0, "DistributedSampler", "drop_last leaves no rows: ", dataset_size,
               " rows for ", num_replicas, " ranks");
  state_.seed = seed;
}

std::vector<std::size_t> DistributedSampler::indices() const {
  std::vector<std::size_t> order(dataset_size_);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (shuffle_) {
    Generator gen(state_.seed + static_cast<std::uint64_t>(state_.epoch));
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[gen.below(i)]);
  }
  std::size_t total = total_size();
  if (drop_last_) {
    order.resize(total);
  } else {
    for (std::size_t i = 0; order.size() < total; ++i) order.push_back(order[i]);  // wraps as often as needed
  }
  std::vector<std::size_t> mine;
  mine.reserve(num_samples_);
  for (std::size_t i = static_cast<std::size_t>(rank_); i < total; i += static_cast<std::size_t>(num_replicas_))
    mine.push_back(order[i]);
  return mine;
}

}  // namespace xtgrad
