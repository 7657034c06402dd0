// Guide snippets: data-parallel training over MPI. Built only when xtgrad::distributed is
// (MPI found); CTest runs it under `mpirun -np 2`. tools/check_docs.py reads it either way.
#include <cstdio>
#include <filesystem>

#include <xtensor/xview.hpp>
#include <xtgrad/distributed/distributed.hpp>
#include <xtgrad/io.hpp>

using namespace xtgrad;

namespace {

// [snippet:take]
/// Rows `rows[first, first + count)` of a [N, width] array, as one batch.
Tensor take(const Array& a, const std::vector<std::size_t>& rows, std::size_t first, std::size_t count) {
  std::size_t width = a.size() / a.shape()[0];
  Array out = Array::from_shape({count, width});
  for (std::size_t i = 0; i < count; ++i)
    std::copy_n(a.data() + rows[first + i] * width, width, out.data() + i * width);
  return Tensor(std::move(out));
}
// [end-snippet]

}  // namespace

int main() {
  std::string path = (std::filesystem::temp_directory_path() / "xtgrad-docs-ddp.json").string();
  Generator data_gen(7);
  Array x = randn({1000, 4}, data_gen).value();  // every rank reads the same data set
  Array y = xt::cast<float>(xt::view(x, xt::all(), xt::range(0, 1)) > 0.0f);
  // [snippet:setup]
  ProcessGroup group;  // MPI_Init here (or joins the application's MPI); MPI_Finalize at the end
  Generator gen(0);
  Sequential model{std::make_shared<Linear>(4, 16, true, gen), std::make_shared<ReLU>(),
                   std::make_shared<Linear>(16, 1, true, gen)};
  DistributedDataParallel ddp(group, model);  // checks every rank built this model; copies rank 0's weights
  Adam optimizer(model.parameters(), AdamOptions(1e-2));
  BCEWithLogitsLoss loss_fn;
  DistributedSampler sampler(/*dataset_size=*/1000, group.world_size(), group.rank(), /*shuffle=*/true, /*seed=*/0);
  // [end-snippet]
  double mean_loss = 0;
  // [snippet:loop]
  std::size_t batch = 64 / static_cast<std::size_t>(group.world_size());  // global batch 64
  for (int epoch = 0; epoch < 5; ++epoch) {
    sampler.set_epoch(epoch);                           // a new shuffle, the same on every rank
    std::vector<std::size_t> rows = sampler.indices();  // this rank's shard: 1000 / world_size rows
    double loss_sum = 0;
    for (std::size_t first = 0; first < rows.size(); first += batch) {
      std::size_t count = std::min(batch, rows.size() - first);
      optimizer.zero_grad();
      Tensor loss = loss_fn(model(take(x, rows, first, count)), take(y, rows, first, count));
      loss.backward();
      ddp.average_gradients();  // every rank now holds the mean of all ranks' gradients
      optimizer.step();         // the same update everywhere: parameters stay identical
      loss_sum += loss.item() * static_cast<double>(count);
    }
    std::vector<double> totals = group.all_reduce_sum({loss_sum, static_cast<double>(rows.size())});
    mean_loss = totals[0] / totals[1];  // the same number on every rank
    if (group.is_root()) std::printf("epoch %d  loss %.4f\n", epoch + 1, mean_loss);
  }
  // [end-snippet]
  // [snippet:save]
  sampler.set_epoch(5);  // the next epoch: where a resumed run starts
  if (group.is_root())   // weights and Adam's moments are the same on every rank: one writer
    save_checkpoint(path, {&model,
                           &optimizer,
                           {},
                           nullptr,
                           /*epoch=*/5,
                           /*step=*/0,
                           {{"sampler", to_json(to_value(sampler.state()))}, {"world_size", group.world_size()}}});
  group.barrier();  // the file is complete before any rank goes on to read it

  // Resuming, with this or any other number of ranks: every rank restores the model, the
  // optimizer and the sampler from the same file, so every rank steps from the same state.
  Checkpoint resumed{&model, &optimizer};
  load_checkpoint(path, resumed);
  sampler.load_state(sampler_state_from_value(value_from_json(resumed.metadata["sampler"], path)));
  // [end-snippet]
  group.barrier();
  // [snippet:sharded]
  DistributedDataParallel sharded(group, model, DataParallelOptions().shard_optimizer(true));
  Adam sharded_optimizer(sharded.optimizer_params(), AdamOptions(1e-2));  // this rank's part of each parameter
  std::vector<std::size_t> rows = sampler.indices();
  for (std::size_t first = 0; first + batch <= rows.size(); first += batch) {  // one epoch
    sharded_optimizer.zero_grad();
    loss_fn(model(take(x, rows, first, batch)), take(y, rows, first, batch)).backward();
    sharded.average_gradients();  // reduce-scatter: each rank gets the average of its parts only
    sharded_optimizer.step();     // Adam on 1/N of the values
    sharded.gather_parameters();  // all-gather: every rank's parameters whole again
  }
  // The whole state, as one optimizer over the whole model holds it: it resumes with any number
  // of ranks, sharded or not. An optimizer over the whole model carries it into the file.
  Value whole = sharded.optimizer_state_dict(sharded_optimizer);  // collective; rank 0 gets it
  if (group.is_root()) {
    Adam saver(model.parameters());
    saver.load_state_dict(whole);
    save_checkpoint(path, {&model, &saver});
  }
  group.barrier();
  Adam whole_optimizer(model.parameters());
  Checkpoint sharded_resume{&model, &whole_optimizer};
  load_checkpoint(path, sharded_resume);
  sharded.load_optimizer_state_dict(sharded_optimizer, whole_optimizer.state_dict());  // each rank takes its part
  // [end-snippet]
  group.barrier();
  if (group.is_root()) std::filesystem::remove(path);
  return mean_loss < 0.3 && sampler.state().epoch == 5 ? 0 : 1;
}
