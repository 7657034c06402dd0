// NodeReduce: the gradient all-reduce through MPI-3 shared memory. The ranks of one node
// (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)) each own a segment of one shared window
// (MPI_Win_allocate_shared), and local rank i owns part i of every tensor (part_of()):
//
//   share():  every rank copies the parts the others own into its segment; node barrier.
//   reduce(): rank i sums part i of every rank's tensor, in rank order, scales it once and
//             writes it into its own tensor and its segment. Across nodes, the ranks with the
//             same local index first MPI_Allreduce their node's sums of part i.
//   gather(): node barrier; every rank copies the other parts from their owners' segments.
//
// Each part is summed by one rank (or, across nodes, by one MPI_Allreduce), so every rank ends
// with bit-identical values. Against Open MPI's MPI_Allreduce through vader this moves a
// quarter less memory and fuses the 1/N scaling. Used by DistributedDataParallel unless
// DataParallelOptions chooses MPI_Allreduce, and by the sharded step within one node
// (reduce() into the shards, publish() and gather() of the updated parts); not installed.
#pragma once

#include <cstddef>
#include <vector>

#include "xtgrad/core/tensor.hpp"
#include "xtgrad/distributed/process_group.hpp"

namespace xtgrad::detail {

/// What share() and reduce() take: each parameter's gradient, or nullptr where it has none.
std::vector<const float*> gradient_data(const std::vector<Tensor>& params);

class NodeReduce {
 public:
  /// Collective over the group. `sizes`: the values of each tensor. `ranks_per_node` > 0 splits
  /// each node into pretend-nodes of that many consecutive ranks, so one machine runs the
  /// cross-node path (tests); 0 takes MPI's nodes. Throws std::invalid_argument on every rank if
  /// the nodes hold different numbers of ranks (their parts would not line up).
  NodeReduce(const ProcessGroup& group, const std::vector<std::size_t>& sizes, int ranks_per_node);
  ~NodeReduce();  // collective (MPI_Win_free), unless MPI was already finalised
  NodeReduce(const NodeReduce&) = delete;
  NodeReduce& operator=(const NodeReduce&) = delete;

  int node_size() const { return node_size_; }
  int node_count() const { return node_count_; }

  /// Collective. data[k]: this rank's values of tensor k, or nullptr if it has none (it then
  /// counts as zeros). Returns how many ranks of the world have each tensor.
  const std::vector<int>& share(const std::vector<const float*>& data);
  /// Collective (across nodes). For every tensor some rank has: the sum over all ranks of this
  /// rank's part, times `scale`, into `out[k]` + the part's offset (out[k] may be data[k]),
  /// where gather() finds it. With `into_part`, out[k] is a buffer of the part alone (a shard),
  /// and nothing is left for gather().
  void reduce(const std::vector<const float*>& data, const std::vector<float*>& out, float scale,
              bool into_part = false);
  /// This rank's part of each tensor (parts[k]: its values alone) where gather() finds it.
  void publish(const std::vector<const float*>& parts);
  /// Collective: the other parts of every tensor some rank has (`every_tensor`: of all of
  /// them), as the last reduce() or publish() left them, into out[k] + their offsets.
  void gather(const std::vector<float*>& out, bool every_tensor = false);

 private:
  const float* region(int local, int owner) const;  // owner's segment, the part `local` sums
  void node_sync() const;                           // the others' writes are visible after it

  const ProcessGroup& group_;
  std::vector<std::size_t> sizes_;
  int node_size_ = 1, local_ = 0, node_count_ = 1;
  void* node_comm_ = nullptr;                  // MPI_Comm of this (pretend-)node's ranks
  void* cross_comm_ = nullptr;                 // MPI_Comm of the ranks with this local index, one per node
  void* window_ = nullptr;                     // MPI_Win
  std::vector<float*> segments_;               // every local rank's segment, mapped here
  std::vector<std::size_t> region_start_;      // per local index: where its part of all tensors starts
  std::vector<std::vector<std::size_t>> pos_;  // [local][k]: tensor k's part within that region
  std::size_t flags_at_ = 0;                   // the segment's flags (1: this rank has tensor k)
  std::vector<int> counts_;
};

}  // namespace xtgrad::detail
