// The shared-memory all-reduce: communicators and window at construction, then per step the
// copies into the window, the summing of this rank's parts, and the copies out.
#include "xtgrad/distributed/detail/node_reduce.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/distributed/detail/optimizer_shards.hpp"

namespace xtgrad::detail {

namespace {

MPI_Comm& as_comm(void* comm) { return *static_cast<MPI_Comm*>(comm); }
MPI_Win& as_win(void* win) { return *static_cast<MPI_Win*>(win); }

constexpr std::size_t kAlignFloats = 16;  // 64 bytes: each region starts on its own cache line
std::size_t aligned(std::size_t floats) { return (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

}  // namespace

std::vector<const float*> gradient_data(const std::vector<Tensor>& params) {
  std::vector<const float*> data(params.size(), nullptr);
  for (std::size_t k = 0; k < params.size(); ++k)
    if (params[k].has_grad()) data[k] = params[k].grad().data();
  return data;
}

NodeReduce::NodeReduce(const ProcessGroup& group, const std::vector<std::size_t>& sizes, int ranks_per_node)
    : group_(group), sizes_(sizes) {
  MPI_Comm world = as_comm(group.comm_), shared = MPI_COMM_NULL, node = MPI_COMM_NULL;
  group.check(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, group.rank(), MPI_INFO_NULL, &shared),
              "MPI_Comm_split_type");
  int shared_rank = 0;
  group.check(MPI_Comm_rank(shared, &shared_rank), "MPI_Comm_rank");
  // Pretend-nodes: consecutive ranks of the real node, ranks_per_node at a time.
  int color = ranks_per_node > 0 ? shared_rank / ranks_per_node : 0;
  group.check(MPI_Comm_split(shared, color, shared_rank, &node), "MPI_Comm_split");
  MPI_Comm_free(&shared);
  node_comm_ = new MPI_Comm(node);
  group.check(MPI_Comm_set_errhandler(node, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  group.check(MPI_Comm_rank(node, &local_), "MPI_Comm_rank");
  group.check(MPI_Comm_size(node, &node_size_), "MPI_Comm_size");
  MPI_Comm cross = MPI_COMM_NULL;
  group.check(MPI_Comm_split(world, local_, group.rank(), &cross), "MPI_Comm_split");
  cross_comm_ = new MPI_Comm(cross);
  group.check(MPI_Comm_set_errhandler(cross, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  group.check(MPI_Comm_size(cross, &node_count_), "MPI_Comm_size");
  // Local index i sums part i on every node: all nodes must cut the tensors alike.
  std::vector<std::uint64_t> node_sizes = group.all_gather(static_cast<std::uint64_t>(node_size_));
  if (std::any_of(node_sizes.begin(), node_sizes.end(), [&](std::uint64_t s) { return s != node_sizes[0]; })) {
    MPI_Comm_free(&cross);
    MPI_Comm_free(&node);
    delete static_cast<MPI_Comm*>(cross_comm_);
    delete static_cast<MPI_Comm*>(node_comm_);
    fail("DistributedDataParallel", "the shared-memory all-reduce needs the same number of ranks on every node (",
         group.describe(), " is on a node of ", node_size_,
         "); use DataParallelOptions().reduction(GradientReduction::mpi_allreduce)");
  }

  // A segment: per local index j, the parts j of every tensor (rank j reads them from here;
  // this rank's own region holds its results), then one flag per tensor.
  const auto ranks = static_cast<std::size_t>(node_size_);
  pos_.assign(ranks, std::vector<std::size_t>(sizes_.size()));
  std::size_t floats = 0;
  for (std::size_t j = 0; j < ranks; ++j) {
    region_start_.push_back(floats);
    std::size_t in_region = 0;
    for (std::size_t k = 0; k < sizes_.size(); ++k) {
      pos_[j][k] = in_region;
      in_region += part_of(sizes_[k], static_cast<int>(j), node_size_).count;
    }
    XTGRAD_CHECK(in_region <= INT_MAX, "DistributedDataParallel",
                 "more than 2^31 - 1 gradient values per rank for one MPI collective");
    floats = aligned(floats + in_region);
  }
  flags_at_ = floats;
  floats += sizes_.size();
  float* mine = nullptr;
  MPI_Info info = MPI_INFO_NULL;
  MPI_Info_create(&info);
  MPI_Info_set(info, "alloc_shared_noncontig", "true");  // each segment on its owner's pages
  window_ = new MPI_Win(MPI_WIN_NULL);
  group.check(MPI_Win_allocate_shared(static_cast<MPI_Aint>(std::max<std::size_t>(floats, 1) * sizeof(float)),
                                      sizeof(float), info, node, &mine, &as_win(window_)),
              "MPI_Win_allocate_shared");
  MPI_Info_free(&info);
  segments_.assign(ranks, nullptr);
  for (int r = 0; r < node_size_; ++r) {
    MPI_Aint bytes = 0;
    int unit = 0;
    group.check(MPI_Win_shared_query(as_win(window_), r, &bytes, &unit, &segments_[static_cast<std::size_t>(r)]),
                "MPI_Win_shared_query");
  }
  // One passive epoch for the window's life; MPI_Win_sync and the node barrier order the accesses.
  group.check(MPI_Win_lock_all(MPI_MODE_NOCHECK, as_win(window_)), "MPI_Win_lock_all");
  std::fill(mine, mine + floats, 0.0f);  // the parts of tensors nobody has are summed across nodes too
  counts_.assign(sizes_.size(), 0);
}

NodeReduce::~NodeReduce() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) {
    MPI_Win_unlock_all(as_win(window_));
    MPI_Win_free(&as_win(window_));
    MPI_Comm_free(&as_comm(cross_comm_));
    MPI_Comm_free(&as_comm(node_comm_));
  }
  delete static_cast<MPI_Win*>(window_);
  delete static_cast<MPI_Comm*>(cross_comm_);
  delete static_cast<MPI_Comm*>(node_comm_);
}

const float* NodeReduce::region(int local, int owner) const {
  return segments_[static_cast<std::size_t>(owner)] + region_start_[static_cast<std::size_t>(local)];
}

void NodeReduce::node_sync() const {
  group_.check(MPI_Win_sync(as_win(window_)), "MPI_Win_sync");
  group_.check(MPI_Barrier(as_comm(node_comm_)), "MPI_Barrier");
  group_.check(MPI_Win_sync(as_win(window_)), "MPI_Win_sync");
}

const std::vector<int>& NodeReduce::share(const std::vector<const float*>& data) {
  float* mine = segments_[static_cast<std::size_t>(local_)];
  for (std::size_t k = 0; k < sizes_.size(); ++k) {
    mine[flags_at_ + k] = data[k] ? 1.0f : 0.0f;
    if (!data[k]) continue;
    for (int j = 0; j < node_size_; ++j) {
      if (j == local_) continue;  // our own part stays where it is, for reduce()
      Part part = part_of(sizes_[k], j, node_size_);
      std::memcpy(mine + region_start_[static_cast<std::size_t>(j)] + pos_[static_cast<std::size_t>(j)][k],
                  data[k] + part.offset, part.count * sizeof(float));
    }
  }
  node_sync();
  for (std::size_t k = 0; k < sizes_.size(); ++k) {
    counts_[k] = 0;
    for (const float* segment : segments_) counts_[k] += segment[flags_at_ + k] > 0.0f ? 1 : 0;
  }
  if (node_count_ > 1)
    group_.check(MPI_Allreduce(MPI_IN_PLACE, counts_.data(), static_cast<int>(counts_.size()), MPI_INT, MPI_SUM,
                               as_comm(cross_comm_)),
                 "MPI_Allreduce");
  return counts_;
}

void NodeReduce::reduce(const std::vector<const float*>& data, const std::vector<float*>& out, float scale,
                        bool into_part) {
  const auto me = static_cast<std::size_t>(local_);
  float* results = segments_[me] + region_start_[me];
  const bool cross = node_count_ > 1;   // then sum unscaled here, scale after the MPI_Allreduce
  constexpr std::size_t kChunk = 2048;  // 8 KB of sums, in L1 while the sources stream past
  float sum[kChunk];
  std::vector<const float*> sources;
  for (std::size_t k = 0; k < sizes_.size(); ++k) {
    if (counts_[k] == 0) continue;
    Part part = part_of(sizes_[k], local_, node_size_);
    float* result = results + pos_[me][k];
    float* target = out[k] + (into_part ? 0 : part.offset);
    // In local rank order, the same on every node; a rank without the tensor adds nothing.
    sources.clear();
    for (int r = 0; r < node_size_; ++r)
      if (segments_[static_cast<std::size_t>(r)][flags_at_ + k] != 0.0f)
        sources.push_back(r == local_ ? data[k] + part.offset : region(local_, r) + pos_[me][k]);
    for (std::size_t done = 0; done < part.count; done += kChunk) {
      const std::size_t n = std::min(kChunk, part.count - done);
      if (sources.size() == 2 && !cross) {  // the common case, in one pass
        const float *a = sources[0] + done, *b = sources[1] + done;
        if (into_part)
          for (std::size_t i = 0; i < n; ++i) target[done + i] = (a[i] + b[i]) * scale;
        else
          for (std::size_t i = 0; i < n; ++i) {
            float value = (a[i] + b[i]) * scale;
            result[done + i] = value;
            target[done + i] = value;
          }
        continue;
      }
      const float* total = sum;  // the chunk's sum over the sources, unscaled
      if (sources.empty()) std::fill(sum, sum + n, 0.0f);
      else if (sources.size() == 1) total = sources[0] + done;
      else {
        const float *a = sources[0] + done, *b = sources[1] + done;
        for (std::size_t i = 0; i < n; ++i) sum[i] = a[i] + b[i];
        for (std::size_t s = 2; s < sources.size(); ++s) {
          const float* c = sources[s] + done;
          for (std::size_t i = 0; i < n; ++i) sum[i] += c[i];
        }
      }
      if (cross) std::copy_n(total, n, result + done);
      else if (into_part)
        for (std::size_t i = 0; i < n; ++i) target[done + i] = total[i] * scale;
      else
        for (std::size_t i = 0; i < n; ++i) {
          float value = total[i] * scale;
          result[done + i] = value;
          target[done + i] = value;
        }
    }
  }
  if (!cross) return;
  // The node's sums of our parts, summed over the nodes, into our region (which is contiguous).
  std::size_t floats = 0;
  for (std::size_t k = 0; k < sizes_.size(); ++k) floats += part_of(sizes_[k], local_, node_size_).count;
  group_.check(MPI_Allreduce(MPI_IN_PLACE, results, static_cast<int>(floats), MPI_FLOAT, MPI_SUM, as_comm(cross_comm_)),
               "MPI_Allreduce");
  for (std::size_t k = 0; k < sizes_.size(); ++k) {
    if (counts_[k] == 0) continue;
    Part part = part_of(sizes_[k], local_, node_size_);
    float* result = results + pos_[me][k];
    float* target = out[k] + (into_part ? 0 : part.offset);
    for (std::size_t i = 0; i < part.count; ++i) {
      result[i] *= scale;
      target[i] = result[i];
    }
  }
}

void NodeReduce::publish(const std::vector<const float*>& parts) {
  const auto me = static_cast<std::size_t>(local_);
  float* results = segments_[me] + region_start_[me];
  for (std::size_t k = 0; k < sizes_.size(); ++k)
    std::memcpy(results + pos_[me][k], parts[k], part_of(sizes_[k], local_, node_size_).count * sizeof(float));
}

void NodeReduce::gather(const std::vector<float*>& out, bool every_tensor) {
  node_sync();
  for (int j = 0; j < node_size_; ++j) {
    if (j == local_) continue;
    for (std::size_t k = 0; k < sizes_.size(); ++k) {
      if (counts_[k] == 0 && !every_tensor) continue;
      Part part = part_of(sizes_[k], j, node_size_);
      std::memcpy(out[k] + part.offset, region(j, j) + pos_[static_cast<std::size_t>(j)][k],
                  part.count * sizeof(float));
    }
  }
}

}  // namespace xtgrad::detail
