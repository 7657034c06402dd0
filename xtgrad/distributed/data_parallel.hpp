// Data-parallel training as PyTorch's DistributedDataParallel does it: every rank holds the
// whole model, starts from rank 0's values, trains on its own shard of each batch, and
// averages the gradients with a bucketed all-reduce before each optimizer step.
#pragma once

#include <cstdint>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/layers/module.hpp"
#include "xtgrad/distributed/process_group.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// A hash of the module's state_dict names and shapes (and which entries are parameters):
/// equal on two ranks when they built the same architecture, whatever the values.
std::uint64_t model_fingerprint(const Module& module);

/// Compares every rank's fingerprint, tensor count and value count (three small all-gathers).
/// On a difference every rank throws the same std::runtime_error, naming each rank whose model
/// differs from rank 0's, so the job ends with that message instead of hanging later.
void check_same_model(const ProcessGroup& group, const Module& module);

/// check_same_model(), then copies root's state_dict values (parameters and persistent
/// buffers) into every other rank's module, so all ranks start identical.
void broadcast_parameters(const ProcessGroup& group, Module& module, int root = 0);

/// Where the time of the last average_gradients() went, in milliseconds.
struct AllReduceTimes {
  double pack_ms = 0;        ///< copying small gradients into the flat buckets
  double all_reduce_ms = 0;  ///< MPI_Allreduce: the transfer, and waiting for slower ranks
  double unpack_ms = 0;      ///< scaling by 1/world_size (and copying the buckets back)
  double buffers_ms = 0;     ///< broadcasting rank 0's buffers
};

/// Wraps a module for data-parallel training; the module stays the user's (its lifetime
/// must cover this object's). Construction checks that all ranks built the same model and
/// broadcasts rank 0's state, so it is collective: every rank constructs it, in the same order.
///
///   loss.backward();
///   ddp.average_gradients();  // every rank now holds the mean of all ranks' gradients
///   optimizer.step();         // identical on every rank, so parameters stay identical
///
/// Gradients of at least kInPlaceMinFloats values are reduced where they are, one message each
/// (as DDP's gradient_as_bucket_view: no copy into a bucket and back); the smaller ones travel
/// in buckets of about bucket_cap_mb (PyTorch's default, 25 MB), each one contiguous buffer
/// reduced by one MPI_Allreduce. W3's 7.4 MB of gradients is four messages, not six: one bucket
/// of the 3,073 values of its biases and last layer, the large ones' flags, its two weight
/// matrices. Parameters without a gradient are handled as DDP with
/// find_unused_parameters=True: a rank that has none for a parameter contributes zeros, and
/// all ranks then hold the average over world_size; a parameter no rank has a gradient for
/// keeps none on every rank (so the optimizer skips it everywhere). Every bucket carries one
/// flag per parameter for this; the large gradients' flags are one small message before them.
///
/// Buffers (BatchNorm's running statistics) are rank 0's on every rank after each
/// average_gradients(), as DDP's broadcast_buffers=True makes them before each forward: each
/// rank's forward updates them from its own shard, and without this the ranks' eval would drift
/// apart.
class DistributedDataParallel {
 public:
  DistributedDataParallel(const ProcessGroup& group, Module& module, double bucket_cap_mb = 25.0);

  /// 256 KB: copying that much into a bucket and back costs more (~50 us) than one more message
  /// does (a few us through shared memory, ~25 us over TCP).
  static constexpr std::size_t kInPlaceMinFloats = std::size_t{1} << 16;

  /// Collective: every rank calls it after backward() and before optimizer.step(). Averages
  /// the gradients and gives every rank rank 0's buffers. With one rank it does nothing.
  void average_gradients();

  Module& module() { return module_; }
  std::size_t bucket_count() const { return buckets_.size(); }         ///< buckets of small gradients
  std::size_t in_place_count() const { return in_place_.size(); }      ///< gradients reduced where they are
  const AllReduceTimes& last_times() const { return times_; }

 private:
  void average_in_place(float scale);

  struct Bucket {
    std::vector<std::size_t> params;  // indices into params_, in reverse registration order
    std::vector<float> buffer;        // the gradients, flattened, then one flag per parameter
  };
  const ProcessGroup& group_;
  Module& module_;
  std::vector<Tensor> params_;
  std::vector<Tensor> buffers_;  // broadcast from rank 0 after each step
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> in_place_;  // indices into params_ of the large gradients, reverse order
  std::vector<float> in_place_flags_;  // how many ranks have each of them, summed in one message
  AllReduceTimes times_;
};

}  // namespace xtgrad

XTGRAD_API_END
