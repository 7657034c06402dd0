// ddp_bench: data-parallel W3 (MLP 784→1024→1024→1, ReLU, global batch 512, BCE-with-logits,
// Adam lr 1e-3) under `mpirun -np N`, each rank on 512/N rows with 1 thread. Rank 0 prints the
// median time per step and how a step splits: forward+backward, waiting for the slowest rank
// (a barrier before the all-reduce, only with --split-wait), the all-reduce and Adam. The
// all-reduce is the default shared-memory one (pack: copies into the window and a node
// barrier; all_reduce: the sums; unpack: a barrier and copies out), or with --mpi-allreduce the
// bucketed MPI one (pack, MPI_Allreduce, unpack: scaling). With --shard, the sharded optimizer step: MPI_Reduce_scatter
// in place of the all-reduce, Adam on this rank's part of every parameter, then MPI_Allgatherv.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xview.hpp>
#include <xtgrad/distributed/distributed.hpp>
#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

namespace {

using Clock = std::chrono::steady_clock;
double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

struct Split {
  double compute = 0, wait = 0, pack = 0, all_reduce = 0, unpack = 0, adam = 0, all_gather = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int steps = 8, repeats = 5, warmup = 3, threads = 1;
  std::size_t global_batch = 512;
  bool split_wait = false, shard = false, mpi_allreduce = false, reduce_only = false;
  int ranks_per_node = 0;
  CLI::App app{"ddp_bench: data-parallel W3 under mpirun"};
  app.add_option("--steps", steps, "steps per timed repetition");
  app.add_option("--repeats", repeats, "timed repetitions; the median is reported");
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--threads", threads, "threads per rank");
  app.add_option("--batch", global_batch, "global batch, split evenly between ranks");
  app.add_flag("--split-wait", split_wait, "time a barrier before each all-reduce, to separate waiting from transfer");
  app.add_flag("--shard", shard, "sharded optimizer step (reduce-scatter, Adam on 1/N, all-gather)");
  app.add_flag("--reduce-only", reduce_only,
               "after the warm-up, time average_gradients() alone (steps x repeats calls, each after a barrier)");
  app.add_flag("--mpi-allreduce", mpi_allreduce, "average with MPI_Allreduce, not through a shared window");
  app.add_option("--ranks-per-node", ranks_per_node,
                 "shared window: pretend-nodes of this many ranks (1: every rank a node, across MPI_Allreduce)");
  CLI11_PARSE(app, argc, argv);

  ProcessGroup group;
  set_num_threads(threads);
  std::size_t world = static_cast<std::size_t>(group.world_size()), local = global_batch / world;
  Generator gen(1234);  // as xtgrad_bench's W3: model, then inputs, then labels
  auto net = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(784, 1024, true, gen), std::make_shared<ReLU>(),
      std::make_shared<Linear>(1024, 1024, true, gen), std::make_shared<ReLU>(),
      std::make_shared<Linear>(1024, 1, true, gen)});
  Array x_all = randn({global_batch, 784}, gen).value();
  Array y_all = Array::from_shape({global_batch, std::size_t{1}});
  for (std::size_t i = 0; i < global_batch; ++i) y_all(i, 0) = static_cast<float>(gen.below(2));
  std::size_t first = local * static_cast<std::size_t>(group.rank());
  Tensor x(Array(xt::view(x_all, xt::range(first, first + local), xt::all())));
  Tensor y(Array(xt::view(y_all, xt::range(first, first + local), xt::all())));

  DistributedDataParallel ddp(group, *net,
                              DataParallelOptions()
                                  .shard_optimizer(shard)
                                  .reduction(mpi_allreduce ? GradientReduction::mpi_allreduce
                                                           : GradientReduction::shared_memory)
                                  .ranks_per_node(ranks_per_node));
  Adam optimizer(ddp.optimizer_params(), AdamOptions(1e-3));
  BCEWithLogitsLoss loss_fn;
  Split split;
  auto step = [&] {
    optimizer.zero_grad();
    auto t0 = Clock::now();
    loss_fn(net->forward(x), y).backward();
    auto t1 = Clock::now();
    if (split_wait) group.barrier();
    auto t2 = Clock::now();
    ddp.average_gradients();
    auto t3 = Clock::now();
    optimizer.step();
    auto t4 = Clock::now();
    ddp.gather_parameters();  // sharded: every rank's updated parts to every rank; otherwise nothing
    split.compute += ms(t0, t1);
    split.wait += ms(t1, t2);
    split.pack += ddp.last_times().pack_ms;
    split.all_reduce += ddp.last_times().all_reduce_ms;
    split.unpack += ddp.last_times().unpack_ms;
    split.adam += ms(t3, t4);
    split.all_gather += ddp.last_times().all_gather_ms;
  };

  for (int i = 0; i < warmup; ++i) step();
  if (reduce_only && !shard) {
    // The collective alone, on the last step's gradients: the median and the best call of rank 0.
    std::vector<double> calls, packs, reduces, unpacks;
    for (int i = 0; i < steps * repeats; ++i) {
      group.barrier();
      auto start = Clock::now();
      ddp.average_gradients();
      calls.push_back(ms(start, Clock::now()));
      packs.push_back(ddp.last_times().pack_ms);
      reduces.push_back(ddp.last_times().all_reduce_ms);
      unpacks.push_back(ddp.last_times().unpack_ms);
    }
    for (auto* v : {&calls, &packs, &reduces, &unpacks}) std::sort(v->begin(), v->end());
    if (group.is_root())
      std::printf(
          "impl=xtgrad mode=%s reduce_only=1 ranks=%zu calls=%zu median_ms=%.3f p10_ms=%.3f best_ms=%.3f "
          "p10_pack=%.3f p10_all_reduce=%.3f p10_unpack=%.3f\n",
          mpi_allreduce        ? "mpi-all-reduce"
          : ranks_per_node > 0 ? "pretend-nodes"
                               : "all-reduce",
          world, calls.size(), calls[calls.size() / 2], calls[calls.size() / 10], calls.front(),
          packs[packs.size() / 10], reduces[reduces.size() / 10], unpacks[unpacks.size() / 10]);
    return 0;
  }
  split = Split{};
  std::vector<double> per_step;
  for (int r = 0; r < repeats; ++r) {
    group.barrier();  // every repetition starts together, and ends when the slowest rank does
    auto start = Clock::now();
    for (int i = 0; i < steps; ++i) step();
    group.barrier();
    per_step.push_back(ms(start, Clock::now()) / steps);
  }
  std::sort(per_step.begin(), per_step.end());
  double n = static_cast<double>(steps) * repeats;
  // Each part averaged over the ranks, then over the steps.
  std::vector<double> parts = group.all_reduce_sum(
      {split.compute, split.wait, split.pack, split.all_reduce, split.unpack, split.adam, split.all_gather});
  for (double& p : parts) p /= n * static_cast<double>(world);
  if (group.is_root())
    std::printf(
        "impl=xtgrad mode=%s split_wait=%d ranks=%zu threads=%d global_batch=%zu ms_per_step=%.2f best=%.2f "
        "compute=%.2f wait=%.2f pack=%.2f all_reduce=%.2f unpack=%.2f adam=%.2f all_gather=%.2f\n",
        shard                ? (mpi_allreduce ? "mpi-sharded" : "sharded")
        : mpi_allreduce      ? "mpi-all-reduce"
        : ranks_per_node > 0 ? "pretend-nodes"
                             : "all-reduce",
        split_wait ? 1 : 0, world, threads, global_batch, per_step[per_step.size() / 2], per_step.front(), parts[0],
        parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]);
}
