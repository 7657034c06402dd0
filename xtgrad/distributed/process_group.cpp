// ProcessGroup over MPI: start or join MPI, a private communicator that returns error codes,
// and the few collectives data-parallel training needs.
#include "xtgrad/distributed/process_group.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "xtgrad/core/detail/check.hpp"

namespace xtgrad {

namespace {

MPI_Comm& as_comm(void* comm) { return *static_cast<MPI_Comm*>(comm); }

// MPI counts are ints: longer buffers go in pieces of at most 2^30 elements.
constexpr std::size_t kMaxCount = std::size_t{1} << 30;

// Where each rank's part starts in the full buffer, for the v-collectives.
std::vector<int> displacements(const std::vector<int>& counts, int world_size, const char* op) {
  XTGRAD_CHECK(counts.size() == static_cast<std::size_t>(world_size), op, "expected one count per rank (", world_size,
               "), got ", counts.size());
  std::vector<int> displs(counts.size());
  long long total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    XTGRAD_CHECK(counts[r] >= 0, op, "negative count ", counts[r], " for rank ", r);
    displs[r] = static_cast<int>(total);
    total += counts[r];
    XTGRAD_CHECK(total <= INT_MAX, op, "more than 2^31 - 1 floats in one collective (MPI counts are ints)");
  }
  return displs;
}

}  // namespace

ProcessGroup::ProcessGroup() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) throw std::runtime_error("ProcessGroup: MPI has already been finalised in this process");
  if (!initialized) {
    // MPI_Init's failures cannot be turned into return codes (no communicator exists yet);
    // Open MPI prints why (no mpirun, no runtime) before returning or aborting.
    if (MPI_Init(nullptr, nullptr) != MPI_SUCCESS)
      throw std::runtime_error(
          "ProcessGroup: MPI_Init failed; start the program with mpirun (Open MPI: apt-get install openmpi-bin)");
    owns_mpi_ = true;
  }
  // Our own communicator: our messages never match the application's, and the error handler
  // set on it leaves the one the application chose for MPI_COMM_WORLD alone.
  MPI_Comm comm = MPI_COMM_NULL;
  if (MPI_Comm_dup(MPI_COMM_WORLD, &comm) != MPI_SUCCESS)
    throw std::runtime_error("ProcessGroup: MPI_Comm_dup(MPI_COMM_WORLD) failed");
  comm_ = new MPI_Comm(comm);
  check(MPI_Comm_set_errhandler(as_comm(comm_), MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  check(MPI_Comm_rank(as_comm(comm_), &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(as_comm(comm_), &world_size_), "MPI_Comm_size");
}

ProcessGroup::~ProcessGroup() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) {
    MPI_Comm_free(&as_comm(comm_));
    if (owns_mpi_) MPI_Finalize();
  }
  delete static_cast<MPI_Comm*>(comm_);
}

std::string ProcessGroup::describe() const {
  return "rank " + std::to_string(rank_) + " of " + std::to_string(world_size_);
}

void ProcessGroup::check(int code, const char* call) const {
  if (code == MPI_SUCCESS) return;
  char reason[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, reason, &length);
  std::fprintf(stderr, "xtgrad distributed: %s: %s failed: %s; aborting the job\n", describe().c_str(), call, reason);
  std::fflush(stderr);
  // Throwing would leave the other ranks blocked in their matching call: end them all.
  MPI_Abort(comm_ ? as_comm(comm_) : MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return; this is for compilers and broken MPIs
}

void ProcessGroup::barrier() const { check(MPI_Barrier(as_comm(comm_)), "MPI_Barrier"); }

double ProcessGroup::all_reduce_sum(double value) const {
  check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, as_comm(comm_)), "MPI_Allreduce");
  return value;
}

double ProcessGroup::all_reduce_mean(double value) const { return all_reduce_sum(value) / world_size_; }

std::int64_t ProcessGroup::all_reduce_sum(std::int64_t value) const {
  check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_SUM, as_comm(comm_)), "MPI_Allreduce");
  return value;
}

std::vector<double> ProcessGroup::all_reduce_sum(std::vector<double> values) const {
  check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                      as_comm(comm_)),
        "MPI_Allreduce");
  return values;
}

std::vector<std::uint64_t> ProcessGroup::all_gather(std::uint64_t value) const {
  std::vector<std::uint64_t> all(static_cast<std::size_t>(world_size_));
  check(MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, as_comm(comm_)), "MPI_Allgather");
  return all;
}

void ProcessGroup::broadcast(float* data, std::size_t count, int root) const {
  XTGRAD_CHECK(root >= 0 && root < world_size_, "broadcast", "root must be a rank in [0, ", world_size_, "), got ",
               root);
  for (std::size_t done = 0; done < count; done += kMaxCount) {
    int n = static_cast<int>(std::min(kMaxCount, count - done));
    check(MPI_Bcast(data + done, n, MPI_FLOAT, root, as_comm(comm_)), "MPI_Bcast");
  }
}

void ProcessGroup::all_reduce_sum(float* data, std::size_t count) const {
  for (std::size_t done = 0; done < count; done += kMaxCount) {
    int n = static_cast<int>(std::min(kMaxCount, count - done));
    check(MPI_Allreduce(MPI_IN_PLACE, data + done, n, MPI_FLOAT, MPI_SUM, as_comm(comm_)), "MPI_Allreduce");
  }
}

void ProcessGroup::reduce_scatter_sum(const float* send, float* recv, const std::vector<int>& counts) const {
  displacements(counts, world_size_, "reduce_scatter_sum");  // only to check the counts
  check(MPI_Reduce_scatter(send, recv, counts.data(), MPI_FLOAT, MPI_SUM, as_comm(comm_)), "MPI_Reduce_scatter");
}

void ProcessGroup::all_gather(const float* send, float* recv, const std::vector<int>& counts) const {
  std::vector<int> displs = displacements(counts, world_size_, "all_gather");
  check(MPI_Allgatherv(send, counts[static_cast<std::size_t>(rank_)], MPI_FLOAT, recv, counts.data(), displs.data(),
                       MPI_FLOAT, as_comm(comm_)),
        "MPI_Allgatherv");
}

void ProcessGroup::gather(const float* send, float* recv, const std::vector<int>& counts, int root) const {
  XTGRAD_CHECK(root >= 0 && root < world_size_, "gather", "root must be a rank in [0, ", world_size_, "), got ", root);
  std::vector<int> displs = displacements(counts, world_size_, "gather");
  check(MPI_Gatherv(send, counts[static_cast<std::size_t>(rank_)], MPI_FLOAT, recv, counts.data(), displs.data(),
                    MPI_FLOAT, root, as_comm(comm_)),
        "MPI_Gatherv");
}

}  // namespace xtgrad
