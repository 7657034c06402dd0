// ddp_mlp: data-parallel training over MPI. Every rank holds the whole MLP, trains on its own
// shard of each batch (DistributedSampler), and averages gradients before each Adam step
// (DistributedDataParallel); rank 0 prints the metrics every rank agrees on and saves the weights
// and a checkpoint (weights, Adam's moments, the sampler's seed and epoch) to resume from.
//   mpirun -np 2 build/examples/ddp_mlp [--epochs 8] [--rows 65536] [--out runs/ddp_mlp]
//   mpirun -np 1 build/examples/ddp_mlp --epochs 10 --resume runs/ddp_mlp/checkpoint.json
// --shard-optimizer splits Adam's step between the ranks (each updates 1/N of every parameter);
// its checkpoints are the same files, so a run may switch it on or off when it resumes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include <CLI/CLI.hpp>
#include <xtgrad/distributed/distributed.hpp>
#include <xtgrad/io.hpp>

using namespace xtgrad;

namespace {

struct Options {
  std::size_t rows = 65536, features = 32, hidden = 256, batch_size = 512;  // global batch
  int epochs = 8, threads = 1;
  bool shard_optimizer = false;
  double lr = 1e-3;
  std::uint64_t seed = 0;
  std::string out = "runs/ddp_mlp", resume;
};

/// The same rows on every rank: x ~ N(0, 1) [rows, features], y = 1 where a fixed random tanh
/// network (the "teacher") is positive. A real job would read only its shard from shared storage.
std::pair<Array, Array> make_data(const Options& o) {
  Generator gen(o.seed + 1000);
  Array x = randn({o.rows, o.features}, gen).value();
  Array w1 = randn({o.features, 32}, gen).value(), w2 = randn({32, 1}, gen).value();
  NoGrad no_grad;
  Array logits = matmul(tanh(matmul(Tensor(x), Tensor(w1)) * 0.3f), Tensor(w2)).value();
  Array y = xt::cast<float>(logits > 0.0f);
  return {x, y};
}

/// FNV-1a of a file's bytes (0 if it cannot be read): ranks compare it to know they resumed from
/// the same checkpoint, since each reads the file itself.
std::uint64_t file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes.str()) h = (h ^ c) * 1099511628211ull;
  return in ? h : 0;
}

/// The given rows of a [N, ...] array, as a batch.
Tensor rows_of(const Array& a, const std::vector<std::size_t>& rows, std::size_t first, std::size_t count) {
  std::size_t width = a.size() / a.shape()[0];
  Array out = Array::from_shape({count, width});
  for (std::size_t i = 0; i < count; ++i)
    std::copy_n(a.data() + rows[first + i] * width, width, out.data() + i * width);
  return Tensor(std::move(out));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"ddp_mlp: data-parallel MLP training; run with mpirun -np N"};
  app.add_option("--rows", o.rows, "synthetic rows (80% train, 20% test)");
  app.add_option("--hidden", o.hidden, "hidden units per layer");
  app.add_option("--epochs", o.epochs, "epochs in all (a resumed run continues to this epoch)");
  app.add_option("--batch-size", o.batch_size, "global batch: each of N ranks takes batch-size / N rows");
  app.add_option("--lr", o.lr, "Adam's learning rate");
  app.add_option("--seed", o.seed, "seed of the data, the model and the shuffles");
  app.add_option("--threads", o.threads, "threads per rank (set_num_threads)");
  app.add_option("--out", o.out, "rank 0 writes model.json and checkpoint.json here");
  app.add_flag("--shard-optimizer", o.shard_optimizer,
               "sharded optimizer step: reduce-scatter, Adam on 1/N of every parameter per rank, all-gather");
  app.add_option("--resume", o.resume,
                 "a checkpoint.json this example wrote, with any number of ranks (every rank reads it: "
                 "the same path on every machine)");
  CLI11_PARSE(app, argc, argv);

  ProcessGroup group;  // MPI_Init; MPI_Finalize when main returns
  set_num_threads(o.threads);
  auto [x, y] = make_data(o);
  std::size_t train_rows = o.rows * 4 / 5, world = static_cast<std::size_t>(group.world_size());
  if (o.batch_size % world != 0) {  // every rank sees the same options, so every rank stops here
    if (group.is_root())
      std::fprintf(stderr, "ddp_mlp: --batch-size %zu must be a multiple of the %zu ranks\n", o.batch_size, world);
    return 2;
  }

  Generator gen(o.seed);  // every rank draws the same initial weights; DDP broadcasts rank 0's anyway
  Sequential model{std::make_shared<Linear>(o.features, o.hidden, true, gen), std::make_shared<ReLU>(),
                   std::make_shared<Linear>(o.hidden, o.hidden, true, gen), std::make_shared<ReLU>(),
                   std::make_shared<Linear>(o.hidden, 1, true, gen)};
  DistributedSampler sampler(train_rows, group.world_size(), group.rank(), /*shuffle=*/true, o.seed);
  Value resumed_optimizer;  // the whole Adam state of the checkpoint, for the optimizer made below
  if (!o.resume.empty()) {
    // Every rank restores the model, Adam's moments and the sampler, so every rank steps from the
    // same state. The global batch is what the math depends on, not the number of ranks, so a
    // checkpoint resumes with any number of them.
    std::string error;
    try {
      Adam whole(model.parameters(), AdamOptions(o.lr));  // the file holds one Adam over the whole model
      Checkpoint checkpoint{&model, &whole};
      load_checkpoint(o.resume, checkpoint);
      resumed_optimizer = whole.state_dict();
      if (!checkpoint.metadata.contains("sampler") || !checkpoint.metadata.contains("global_batch"))
        throw std::invalid_argument(o.resume + ": not a ddp_mlp checkpoint (metadata has no sampler or global_batch)");
      sampler.load_state(sampler_state_from_value(value_from_json(checkpoint.metadata["sampler"], o.resume)));
      if (checkpoint.metadata["global_batch"] != o.batch_size)
        throw std::invalid_argument(o.resume + " was trained with --batch-size " +
                                    checkpoint.metadata["global_batch"].dump() + "; resume with the same");
    } catch (const std::exception& e) {
      error = e.what();
    }
    // One rank's error must stop every rank, or the others would wait for it in the next collective.
    if (!error.empty()) std::fprintf(stderr, "ddp_mlp: rank %d: %s\n", group.rank(), error.c_str());
    if (group.all_reduce_sum(static_cast<std::int64_t>(!error.empty())) > 0) return 1;
    std::vector<std::uint64_t> hashes = group.all_gather(file_hash(o.resume));
    if (std::any_of(hashes.begin(), hashes.end(), [&](std::uint64_t h) { return h != hashes[0]; })) {
      if (group.is_root()) std::fprintf(stderr, "ddp_mlp: the ranks read different files at %s\n", o.resume.c_str());
      return 1;
    }
  }
  SamplerState state = sampler.state();
  // Same model everywhere? Then rank 0's values to all. Adam is built over what DDP says: the
  // model's parameters, or with --shard-optimizer this rank's part of each.
  DistributedDataParallel ddp(group, model, DataParallelOptions().shard_optimizer(o.shard_optimizer));
  Adam optimizer(ddp.optimizer_params(), AdamOptions(o.lr));
  if (!resumed_optimizer.is_null()) ddp.load_optimizer_state_dict(optimizer, resumed_optimizer);
  BCEWithLogitsLoss loss_fn;
  if (group.is_root())
    std::printf("%d ranks, %zu training rows, global batch %zu (%zu per rank), %zu parameters, %s\n",
                group.world_size(), train_rows, o.batch_size, o.batch_size / world, model.parameters().size(),
                ddp.sharded() ? "optimizer step sharded" : "gradients all-reduced");

  std::size_t local_batch = o.batch_size / world;
  for (std::int64_t epoch = state.epoch; epoch < o.epochs; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    sampler.set_epoch(epoch);  // a new shuffle, cut into the same shards on every rank
    std::vector<std::size_t> mine = sampler.indices();
    double loss_sum = 0, all_reduce_ms = 0;
    // Every rank has num_samples() rows, so every rank runs the same number of steps.
    for (std::size_t first = 0; first < mine.size(); first += local_batch) {
      std::size_t count = std::min(local_batch, mine.size() - first);
      optimizer.zero_grad();
      Tensor loss = loss_fn(model(rows_of(x, mine, first, count)), rows_of(y, mine, first, count));
      loss.backward();
      ddp.average_gradients();
      optimizer.step();
      ddp.gather_parameters();  // sharded: every rank's updated parts to every rank; otherwise nothing
      loss_sum += loss.item() * static_cast<double>(count);
      all_reduce_ms += ddp.last_times().all_reduce_ms;
    }
    // Test rows split contiguously between ranks; sums of loss and hits gathered to every rank.
    std::size_t test_rows = o.rows - train_rows, per_rank = (test_rows + world - 1) / world;
    std::size_t begin = train_rows + std::min(test_rows, per_rank * static_cast<std::size_t>(group.rank()));
    std::size_t end = std::min(o.rows, begin + per_rank);
    std::vector<std::size_t> test(end - begin);
    std::iota(test.begin(), test.end(), begin);
    double hits = 0;
    if (!test.empty()) {
      NoGrad no_grad;
      Array p = sigmoid(model(rows_of(x, test, 0, test.size()))).value();
      hits = accuracy(p, rows_of(y, test, 0, test.size()).value()) * static_cast<double>(test.size());
    }
    std::vector<double> sums = group.all_reduce_sum({loss_sum, static_cast<double>(mine.size()), hits});
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (group.is_root())
      std::printf(
          "epoch %2lld  train loss %.4f  test accuracy %.2f%%  %.2f s (%.0f ms of it in all-reduce on rank 0)\n",
          static_cast<long long>(epoch + 1), sums[0] / sums[1], 100.0 * sums[2] / static_cast<double>(test_rows),
          seconds, all_reduce_ms);
  }

  sampler.set_epoch(o.epochs);                                  // where a resumed run starts
  Value optimizer_state = ddp.optimizer_state_dict(optimizer);  // collective: rank 0 gets the whole state
  if (group.is_root()) {  // every rank holds the same weights: one writer is enough
    std::filesystem::create_directories(o.out);
    Json metadata = {{"sampler", to_json(to_value(sampler.state()))},
                     {"world_size", group.world_size()},
                     {"global_batch", o.batch_size}};
    save_weights(model, o.out + "/model.json", metadata);
    Adam whole(model.parameters(), AdamOptions(o.lr));  // carries the whole state into the file
    whole.load_state_dict(optimizer_state);
    save_checkpoint(o.out + "/checkpoint.json", {&model, &whole, {}, nullptr, o.epochs, 0, metadata});
    std::printf(
        "saved %s/model.json and %s/checkpoint.json (resume with --resume %s/checkpoint.json, with any "
        "number of ranks)\n",
        o.out.c_str(), o.out.c_str(), o.out.c_str());
  }
}
