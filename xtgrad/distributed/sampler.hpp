// DistributedSampler: which rows of a data set each rank trains on in an epoch, as PyTorch's
// torch.utils.data.distributed.DistributedSampler: disjoint, equally sized shards of one
// shuffled order that every rank computes alike from a shared seed and the epoch. The shards,
// padding and drop_last are PyTorch's; the shuffle is xtgrad's own, so a seed gives other rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/value.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// What a checkpoint must hold to resume the sampling: the seed and the next epoch. It holds
/// nothing about the ranks, so a run saved with N ranks resumes with any M: the saved epoch's
/// order is rebuilt and re-sharded M ways.
struct SamplerState {
  std::uint64_t seed = 0;
  std::int64_t epoch = 0;
};
Value to_value(const SamplerState& state);                  ///< {"seed": ..., "epoch": ...}
SamplerState sampler_state_from_value(const Value& value);  ///< throws std::invalid_argument on a bad value

class DistributedSampler {
 public:
  /// `dataset_size` rows shared among `num_replicas` ranks (the world size). Each epoch's order
  /// is a Fisher-Yates shuffle of 0..dataset_size-1 by Generator(seed + epoch) (or 0, 1, ...
  /// without shuffle), not torch.randperm's order: only the unshuffled shards equal PyTorch's.
  /// When dataset_size is not a multiple of num_replicas, drop_last = false (PyTorch's default)
  /// pads the order by repeating its first indices, so a few rows are seen twice; drop_last =
  /// true drops the order's tail, so a few rows are not seen that epoch. Rank r takes positions
  /// r, r + num_replicas, r + 2·num_replicas, ... of the order.
  DistributedSampler(std::size_t dataset_size, int num_replicas, int rank, bool shuffle = true, std::uint64_t seed = 0,
                     bool drop_last = false);

  /// Call at the start of every epoch, on every rank alike, or each epoch repeats the first order.
  void set_epoch(std::int64_t epoch) { state_.epoch = epoch; }
  /// This rank's rows for the current epoch: num_samples() of them.
  std::vector<std::size_t> indices() const;
  std::size_t num_samples() const { return num_samples_; }  ///< rows per rank per epoch
  std::size_t total_size() const { return num_samples_ * static_cast<std::size_t>(num_replicas_); }

  SamplerState state() const { return state_; }
  /// Restores seed and epoch (from a checkpoint written with any number of ranks).
  void load_state(const SamplerState& state) { state_ = state; }

 private:
  std::size_t dataset_size_;
  int num_replicas_;
  int rank_;
  bool shuffle_;
  bool drop_last_;
  std::size_t num_samples_;
  SamplerState state_;
};

}  // namespace xtgrad

XTGRAD_API_END
