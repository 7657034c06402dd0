// ProcessGroup: the ranks of an MPI job (mpirun -np N), as torch.distributed's default group:
// rank(), world_size(), barrier(), and the reductions that make every rank print the same
// metrics. The header does not include <mpi.h>, so code that uses it needs no MPI flags.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

namespace detail {
class NodeReduce;  // builds its communicators and window on the group's (detail/node_reduce.hpp)
}

/// One per process, for the life of the distributed work (RAII over MPI_Init/MPI_Finalize).
/// If the application has already called MPI_Init, the group joins it and leaves
/// MPI_Finalize to the application. Either way it talks over its own duplicate of
/// MPI_COMM_WORLD whose error handler returns codes instead of aborting silently: a failed MPI
/// call prints "xtgrad distributed: rank R of N: <call> failed: <MPI's reason>" and aborts the
/// whole job (a rank cannot recover alone, and the others would wait for it forever).
class ProcessGroup {
 public:
  /// Throws std::runtime_error if MPI was already finalised, or cannot start.
  ProcessGroup();
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  /// True on rank 0, the rank that prints and saves: `if (group.is_root()) save_weights(...)`.
  bool is_root() const { return rank_ == 0; }
  void barrier() const;

  // Reductions over all ranks; every rank gets the result.
  double all_reduce_sum(double value) const;
  double all_reduce_mean(double value) const;  ///< sum / world_size
  std::int64_t all_reduce_sum(std::int64_t value) const;
  /// Element-wise sums, in one message (a loss sum and a count, say).
  std::vector<double> all_reduce_sum(std::vector<double> values) const;
  /// Every rank's value, indexed by rank.
  std::vector<std::uint64_t> all_gather(std::uint64_t value) const;
  /// Copies root's `count` floats into `data` on every other rank.
  void broadcast(float* data, std::size_t count, int root) const;
  /// In-place element-wise sum over all ranks of `count` floats.
  void all_reduce_sum(float* data, std::size_t count) const;

  // The collectives of a sharded optimizer step. `counts[r]` is rank r's part, in floats; the
  // parts lie in rank order in the full buffer (MPI's int counts: each part and the whole must
  // stay below 2^31 floats, or these throw std::invalid_argument on every rank).
  /// Sums `send` (all parts) over all ranks; this rank receives the sum of its part in `recv`
  /// (MPI_Reduce_scatter).
  void reduce_scatter_sum(const float* send, float* recv, const std::vector<int>& counts) const;
  /// Every rank's `send` (its part) concatenated into `recv` on every rank (MPI_Allgatherv).
  void all_gather(const float* send, float* recv, const std::vector<int>& counts) const;
  /// The same into `recv` on root only; other ranks may pass recv = nullptr (MPI_Gatherv).
  void gather(const float* send, float* recv, const std::vector<int>& counts, int root) const;

  /// "rank 1 of 2": how error messages name this process.
  std::string describe() const;

 private:
  friend class detail::NodeReduce;
  void check(int code, const char* call) const;  // aborts the job unless code == MPI_SUCCESS

  void* comm_ = nullptr;  // an MPI_Comm (heap-held so the header needs no <mpi.h>)
  int rank_ = 0;
  int world_size_ = 1;
  bool owns_mpi_ = false;  // we called MPI_Init, so we call MPI_Finalize
};

}  // namespace xtgrad

XTGRAD_API_END
