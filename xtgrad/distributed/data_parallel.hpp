// Data-parallel training as PyTorch's DistributedDataParallel does it: every rank holds the
// whole model, starts from rank 0's values, trains on its own shard of each batch, and
// averages the gradients with a bucketed all-reduce before each optimizer step.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/value.hpp"
#include "xtgrad/distributed/process_group.hpp"
#include "xtgrad/layers/module.hpp"
#include "xtgrad/optim/optimizer.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

namespace detail {
class OptimizerShards;  // the sharded step's parts and buckets (detail/optimizer_shards.hpp)
class NodeReduce;       // the all-reduce through shared memory (detail/node_reduce.hpp)
}  // namespace detail

/// A hash of the names and shapes of the module's parameters and buffers (non-persistent ones
/// too: they are broadcast as well), and of which are parameters: equal on two ranks when they
/// built the same architecture, whatever the values.
std::uint64_t model_fingerprint(const Module& module);

/// Compares every rank's fingerprint, tensor count and value count (three small all-gathers).
/// On a difference every rank throws the same std::runtime_error, naming each rank whose model
/// differs from rank 0's, so the job ends with that message instead of hanging later.
void check_same_model(const ProcessGroup& group, const Module& module);

/// check_same_model(), then copies root's parameters and buffers (persistent or not, as DDP's
/// initial sync) into every other rank's module, so all ranks start identical.
void broadcast_parameters(const ProcessGroup& group, Module& module, int root = 0);

/// Where the time of the last average_gradients() (and, sharded, gather_parameters()) went, in
/// milliseconds.
struct AllReduceTimes {
  /// Copying small gradients into the flat buckets (sharded: also values into shards);
  /// shared_memory: copying the other ranks' parts into the window, and the node barrier.
  double pack_ms = 0;
  /// MPI_Allreduce (sharded: MPI_Reduce_scatter): the transfer, and waiting for slower ranks;
  /// shared_memory: summing this rank's parts (and, across nodes, their MPI_Allreduce).
  double all_reduce_ms = 0;
  /// Scaling by 1/world_size (and copying the buckets back); shared_memory: the node barrier
  /// and copying the other ranks' parts out of the window (the scaling is in the sums).
  double unpack_ms = 0;
  double buffers_ms = 0;     ///< broadcasting rank 0's buffers
  double all_gather_ms = 0;  ///< sharded only: MPI_Allgatherv of the updated parameters
};

/// How the gradients are averaged (unsharded).
enum class GradientReduction {
  /// Through an MPI-3 shared window per node (MPI_Win_allocate_shared): local rank i sums part i
  /// of every gradient, scaled once, and the others copy it; across nodes, the ranks with the
  /// same local index MPI_Allreduce their node's sums of their part. Needs the same number of
  /// ranks on every node.
  shared_memory,
  /// MPI_Allreduce, on the large gradients where they are and on buckets of the small ones.
  mpi_allreduce,
};

/// How DistributedDataParallel reduces, with chained setters:
/// DataParallelOptions().shard_optimizer(true).
class DataParallelOptions {
 public:
  /// Small gradients travel in buckets of about this many MB (PyTorch's default: 25).
  DataParallelOptions& bucket_cap_mb(double mb) {
    bucket_cap_mb_ = mb;
    return *this;
  }
  double bucket_cap_mb() const { return bucket_cap_mb_; }
  /// Sharded optimizer step (ZeRO stage 1): the gradients are reduce-scattered, each rank's
  /// optimizer updates only its part of every parameter, and the parts are all-gathered. The
  /// same bytes travel as with the all-reduce; each rank does 1/N of the optimizer's work and
  /// holds 1/N of its state. With GradientReduction::shared_memory and all ranks on one node,
  /// both go through the shared window (MPI's collectives otherwise). Off (the default): every
  /// rank all-reduces and updates everything.
  DataParallelOptions& shard_optimizer(bool on) {
    shard_optimizer_ = on;
    return *this;
  }
  bool shard_optimizer() const { return shard_optimizer_; }
  /// How the gradients are averaged (default: shared_memory, faster within a node); sharded,
  /// shared_memory applies within one node only.
  DataParallelOptions& reduction(GradientReduction how) {
    reduction_ = how;
    return *this;
  }
  GradientReduction reduction() const { return reduction_; }
  /// shared_memory: take each `n` consecutive ranks of a node as a node of their own, so that
  /// one machine runs the path between nodes (tests). 0 (the default): MPI's nodes.
  DataParallelOptions& ranks_per_node(int n) {
    ranks_per_node_ = n;
    return *this;
  }
  int ranks_per_node() const { return ranks_per_node_; }

 private:
  double bucket_cap_mb_ = 25.0;
  bool shard_optimizer_ = false;
  GradientReduction reduction_ = GradientReduction::shared_memory;
  int ranks_per_node_ = 0;
};

/// Wraps a module for data-parallel training; the module stays the user's (its lifetime
/// must cover this object's). Construction checks that all ranks built the same model and
/// broadcasts rank 0's state, so it is collective: every rank constructs it, in the same order.
///
///   loss.backward();
///   ddp.average_gradients();  // every rank now holds the mean of all ranks' gradients
///   optimizer.step();         // identical on every rank, so parameters stay identical
///
/// By default (GradientReduction::shared_memory) the ranks of a node average their gradients
/// through a shared window: two node barriers, each value summed once by one rank, the scaling
/// fused in; see GradientReduction. With GradientReduction::mpi_allreduce, gradients of at
/// least kInPlaceMinFloats values are reduced where they are, one message each
/// (as DDP's gradient_as_bucket_view: no copy into a bucket and back); the smaller ones travel
/// in buckets of about bucket_cap_mb (PyTorch's default, 25 MB), each one contiguous buffer
/// reduced by one MPI_Allreduce. W3's 7.4 MB of gradients is four messages, not six: one bucket
/// of the 3,073 values of its biases and last layer, the large ones' flags, its two weight
/// matrices. Parameters without a gradient are handled as DDP with
/// find_unused_parameters=True: a rank that has none for a parameter contributes zeros, and
/// all ranks then hold the average over world_size; a parameter no rank has a gradient for
/// keeps none on every rank (so the optimizer skips it everywhere). Every bucket carries one
/// flag per parameter for this; the large gradients' flags are one small message before them.
/// A tensor registered under two names (tied weights) is one parameter, reduced once, as in
/// PyTorch's named_parameters().
///
/// Buffers (BatchNorm's running statistics) are rank 0's on every rank after each
/// average_gradients(), as DDP's broadcast_buffers=True makes them before each forward: each
/// rank's forward updates them from its own shard, and without this the ranks' eval would drift
/// apart. Every forward sees the buffers DDP's would; only between steps do ranks other than 0
/// hold other values under DDP (rank 0's of the step before, updated by their own shard).
///
/// With DataParallelOptions::shard_optimizer the optimizer is built over optimizer_params(),
/// this rank's part of every parameter, and gather_parameters() follows its step:
///
///   Adam optimizer(ddp.optimizer_params(), AdamOptions(1e-3));
///   optimizer.zero_grad();
///   loss.backward();
///   ddp.average_gradients();  // each rank's shards get the average of their part of the gradients
///   optimizer.step();         // updates this rank's shards only
///   ddp.gather_parameters();  // every rank's parameters from all ranks' shards
///
/// Written this way the loop runs in both modes (unsharded, optimizer_params() is the model's
/// parameters and gather_parameters() does nothing). Checkpoints go through
/// optimizer_state_dict() and load_optimizer_state_dict(), which give and take the state of one
/// optimizer over the whole parameters in both modes, so a run resumes with any number of ranks,
/// sharded or not.
class DistributedDataParallel {
 public:
  DistributedDataParallel(const ProcessGroup& group, Module& module, const DataParallelOptions& options);
  DistributedDataParallel(const ProcessGroup& group, Module& module, double bucket_cap_mb = 25.0);
  ~DistributedDataParallel();
  DistributedDataParallel(DistributedDataParallel&&) noexcept;  // movable, as before sharding

  /// 256 KB: copying that much into a bucket and back costs more (~50 us) than one more message
  /// does (a few us through shared memory, ~25 us over TCP).
  static constexpr std::size_t kInPlaceMinFloats = std::size_t{1} << 16;

  /// Collective: every rank calls it after backward() and before optimizer.step(). Averages
  /// the gradients and gives every rank rank 0's buffers. With one rank it does nothing
  /// (sharded it still moves the gradients into the shards). Sharded, the module's parameters
  /// are left without gradients (the averages are in the shards), and it throws
  /// std::logic_error if the previous step's gather_parameters() was not called.
  void average_gradients();
  /// Collective, after optimizer.step(): sharded, every rank's parameters take the updated
  /// shards of all ranks. Unsharded it does nothing.
  void gather_parameters();

  bool sharded() const { return shards_ != nullptr; }
  /// What to build the optimizer over: the module's parameters, a tied one once; sharded, their
  /// shards on this rank (1-D tensors, one per parameter, in the same order).
  std::vector<Tensor> optimizer_params() const;
  /// The same for some of the parameters, to build parameter groups. Throws
  /// std::invalid_argument for a tensor that is not one of the module's parameters.
  std::vector<Tensor> optimizer_params(const std::vector<Tensor>& params) const;

  /// Collective. The state dict of one optimizer over the whole parameters, on rank 0 (null on
  /// the others): rank 0 saves it. Sharded, the shards' state is gathered to rank 0 and
  /// reshaped; only state tensors shaped like their parameter can be (SGD's and Adam's are).
  /// Throws std::logic_error, sharded, between average_gradients() and gather_parameters().
  Value optimizer_state_dict(const Optimizer& optimizer) const;
  /// Loads a whole state (from optimizer_state_dict(), or any unsharded optimizer's
  /// state_dict(), saved with any number of ranks); sharded, each rank takes its part. No
  /// communication: every rank passes the same state. Errors as Optimizer::load_state_dict,
  /// and a tensor not shaped like its parameter (a shard's state saved directly) is refused.
  void load_optimizer_state_dict(Optimizer& optimizer, const Value& state) const;

  Module& module() { return module_; }
  /// mpi_allreduce: buckets of small gradients
  std::size_t bucket_count() const { return buckets_.size(); }
  /// mpi_allreduce: gradients reduced where they are
  std::size_t in_place_count() const { return in_place_.size(); }
  const AllReduceTimes& last_times() const { return times_; }

 private:
  void average_in_place(float scale);
  void average_through_node(float scale);
  void broadcast_buffers();

  struct Bucket {
    std::vector<std::size_t> params;  // indices into params_, in reverse registration order
    std::vector<float> buffer;        // the gradients, flattened, then one flag per parameter
  };
  const ProcessGroup& group_;
  Module& module_;
  std::vector<Tensor> params_;
  std::vector<Tensor> buffers_;  // broadcast from rank 0 after each step
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> in_place_;                // indices into params_ of the large gradients, reverse order
  std::vector<float> in_place_flags_;                // how many ranks have each of them, summed in one message
  std::unique_ptr<detail::OptimizerShards> shards_;  // sharded only; then buckets_ and in_place_ stay empty
  std::unique_ptr<detail::NodeReduce> node_;         // shared_memory only; then too
  bool gather_pending_ = false;                      // sharded: average_gradients() ran, gather_parameters() not yet
  AllReduceTimes times_;
};

}  // namespace xtgrad

XTGRAD_API_END
