// OptimizerShards: this rank's part of every parameter, for a sharded optimizer step (ZeRO
// stage 1, the idea of PyTorch's ZeroRedundancyOptimizer): the gradients are reduce-scattered
// so each rank receives the average of its part only, each rank's optimizer updates its part,
// and the updated parts are all-gathered into every rank's parameters. The bytes moved equal
// one all-reduce; each rank does 1/N of the optimizer's work and holds 1/N of its state.
// Used by DistributedDataParallel when DataParallelOptions::shard_optimizer is on; not installed.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "xtgrad/core/tensor.hpp"
#include "xtgrad/core/value.hpp"
#include "xtgrad/distributed/process_group.hpp"
#include "xtgrad/optim/optimizer.hpp"

namespace xtgrad {

struct AllReduceTimes;

namespace detail {

class NodeReduce;

/// Rank r's part of a parameter of n values: its flat elements [offset, offset + count), the
/// first n % N ranks one more than the others. Every parameter is split, so the ranks' work is
/// even whatever the sizes, and the optimizer's parameter groups stay one shard per parameter.
struct Part {
  std::size_t offset = 0;
  std::size_t count = 0;
};
Part part_of(std::size_t n, int rank, int world_size);

class OptimizerShards {
 public:
  /// Parameters of at least `own_bucket_floats` values travel in their own storage, one
  /// collective each; smaller ones share buckets of about `bucket_floats`. With
  /// `shared_memory`, when all ranks share one node (and no pretend-nodes split it), the
  /// gradients and values go through NodeReduce's window instead of MPI's collectives.
  OptimizerShards(const ProcessGroup& group, std::vector<Tensor> params, std::size_t bucket_floats,
                  std::size_t own_bucket_floats, bool shared_memory, int ranks_per_node);
  ~OptimizerShards();

  /// One 1-D leaf tensor per parameter (params' order), this rank's part of it: what the
  /// optimizer is built over.
  const std::vector<Tensor>& shards() const { return shards_; }
  /// The shard of `param`; throws std::invalid_argument if it is not one of the parameters.
  Tensor shard_of(const Tensor& param) const;

  /// Collective. Each shard takes its parameter's current values (so changes made to the model
  /// outside the optimizer are kept) and the average over ranks of its gradient part; the
  /// parameters' own gradients are dropped. As unsharded: a rank without a gradient contributes
  /// zeros, a parameter no rank has one for leaves its shard without.
  void reduce_scatter(AllReduceTimes& times);
  /// Collective: every rank's updated shards into every rank's parameters.
  void all_gather(AllReduceTimes& times);

  /// Collective: the optimizer's state as one optimizer over the whole parameters would hold it
  /// (shards gathered to `root`, reshaped to the parameters' shapes), on root; null elsewhere.
  Value gather_state(const Optimizer& optimizer, int root) const;
  /// This rank's part of a whole state (what gather_state() gives, or an unsharded optimizer's
  /// state_dict()), loaded into the optimizer over the shards. No communication: every rank
  /// passes the same whole state. Throws std::invalid_argument naming what does not fit.
  void load_state(Optimizer& optimizer, const Value& whole) const;

 private:
  struct Bucket {
    std::vector<std::size_t> params;  // indices into params_
    std::vector<int> counts;          // per rank: the floats of its parts of these parameters
    std::vector<float> all;           // every rank's parts, rank by rank (unused with one parameter)
    std::vector<float> mine;          // this rank's parts (unused with one parameter)
  };
  void reduce_through_node(float scale, AllReduceTimes& times);
  void take_values();     // each shard takes its parameter's current values
  void drop_gradients();  // the parameters' (their averages are in the shards), and unused shards'
  /// Parameter indices of the optimizer's parameters; throws if one is not a shard.
  std::vector<std::size_t> param_indices(const Optimizer& optimizer, const char* op) const;

  const ProcessGroup& group_;
  std::vector<Tensor> params_;
  std::vector<Tensor> shards_;
  std::vector<Part> parts_;  // this rank's part of each parameter
  std::vector<Bucket> buckets_;
  std::vector<float> flags_;          // how many ranks have each parameter's gradient
  std::unique_ptr<NodeReduce> node_;  // shared_memory within one node; then buckets_ stay empty
};

}  // namespace detail
}  // namespace xtgrad
