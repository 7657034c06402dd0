// The sharded optimizer step (DataParallelOptions::shard_optimizer) against one process:
// 20-step trajectories with several optimizers, bucket layouts and uneven parts, identical
// parameters on every rank after every step, unused parameters, checkpoints that move between
// sharded ranks and one process both ways, and the errors of misuse.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <string>

#include <xtgrad/io.hpp>
#include <xtgrad/xtgrad.hpp>

#include "support/errors.hpp"
#include "training.hpp"

using namespace xtgrad;
using namespace xtgrad::test;
using xtgrad::testing::contains;
using xtgrad::testing::error_of;

namespace {

/// Builds an optimizer over two groups of parameters: the weights and the biases.
using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>, std::vector<Tensor>)>;

std::vector<Tensor> named_like(const Module& model, const std::string& suffix) {
  std::vector<Tensor> out;
  for (const auto& [name, p] : model.named_parameters())
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(p);
  return out;
}

DistributedDataParallel sharded(Module& model, double bucket_cap_mb = 25.0,
                                DataParallelOptions options = DataParallelOptions()) {
  return DistributedDataParallel(test_group(), model, options.shard_optimizer(true).bucket_cap_mb(bucket_cap_mb));
}

/// One step of one process on the whole batch.
void step_whole(Module& model, Optimizer& optimizer, const Array& x, const Array& y) {
  optimizer.zero_grad();
  BCEWithLogitsLoss()(model(Tensor(x)), Tensor(y)).backward();
  optimizer.step();
}

/// One sharded step on this rank's rows.
void step_sharded(Module& model, DistributedDataParallel& ddp, Optimizer& optimizer, const Array& x, const Array& y) {
  optimizer.zero_grad();
  BCEWithLogitsLoss()(model(shard(x)), shard(y)).backward();
  ddp.average_gradients();
  optimizer.step();
  ddp.gather_parameters();
}

/// A file every rank can read: rank 0 writes it; named by world size, so that jobs of 1 and 2
/// ranks running at once do not share it.
std::string shared_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string("xtgrad-test-sharded-") + name + "-" + std::to_string(test_group().world_size()) + ".json"))
      .string();
}

}  // namespace

TEST_CASE("shard_optimizer: 20 steps match one process, parameters identical on every rank after every step") {
  auto [x, y] = batch(2);
  std::size_t hidden = 16;
  double bucket_cap_mb = 25.0;
  MakeOptimizer make = [](std::vector<Tensor> weights, std::vector<Tensor> biases) -> std::unique_ptr<Optimizer> {
    weights.insert(weights.end(), biases.begin(), biases.end());
    return std::make_unique<Adam>(weights, AdamOptions(1e-2));
  };
  SUBCASE("Adam, one bucket of every parameter") {}
  SUBCASE("Adam, uneven parts in several buckets") {  // 17 units: parts differ by one value between ranks
    hidden = 17;
    bucket_cap_mb = 1e-4;
  }
  SUBCASE("Adam, a large parameter reduce-scattered from its own storage") { hidden = 256; }
  SUBCASE("AdamW with amsgrad, parameter groups with their own options") {
    make = [](std::vector<Tensor> weights, std::vector<Tensor> biases) -> std::unique_ptr<Optimizer> {
      return std::make_unique<AdamW>(std::vector<ParamGroup>{ParamGroup(weights),
                                                             ParamGroup(biases, AdamOptions(2e-2).weight_decay(0))},
                                     AdamOptions(1e-2).amsgrad(true));
    };
  }
  SUBCASE("SGD with momentum and Nesterov") {
    make = [](std::vector<Tensor> weights, std::vector<Tensor> biases) -> std::unique_ptr<Optimizer> {
      weights.insert(weights.end(), biases.begin(), biases.end());
      return std::make_unique<SGD>(weights, SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(1e-3));
    };
  }
  for (const ReductionCase& reduction : reductions()) {  // pretend-nodes: shards through MPI's collectives
    CAPTURE(reduction.name);
    auto reference = small_mlp(4, hidden);
    auto model = small_mlp(4, hidden);
    std::unique_ptr<Optimizer> reference_optimizer =
        make(named_like(*reference, "weight"), named_like(*reference, "bias"));
    DistributedDataParallel ddp = sharded(*model, bucket_cap_mb, reduction.options);
    CHECK(ddp.sharded());
    std::unique_ptr<Optimizer> optimizer =
        make(ddp.optimizer_params(named_like(*model, "weight")), ddp.optimizer_params(named_like(*model, "bias")));
    for (int step = 1; step <= 20; ++step) {
      step_whole(*reference, *reference_optimizer, x, y);
      step_sharded(*model, ddp, *optimizer, x, y);
      CAPTURE(step);
      REQUIRE(same_on_every_rank(values_hash(*model)));
      require_close(*model, *reference);
    }
  }
}

TEST_CASE("shard_optimizer: weights changed between steps outside the optimizer are kept") {
  auto [x, y] = batch(4);
  auto reference = small_mlp(4), model = small_mlp(4), other = small_mlp(77);
  Adam reference_optimizer(reference->parameters(), AdamOptions(1e-2));
  DistributedDataParallel ddp = sharded(*model);
  Adam optimizer(ddp.optimizer_params(), AdamOptions(1e-2));
  for (int step = 1; step <= 6; ++step) {
    if (step == 4) {  // as loading weights mid-run would: both take other's values
      reference->load_state_dict(other->state_dict());
      model->load_state_dict(other->state_dict());
    }
    step_whole(*reference, reference_optimizer, x, y);
    step_sharded(*model, ddp, optimizer, x, y);
  }
  REQUIRE(same_on_every_rank(values_hash(*model)));
  require_close(*model, *reference);
}

TEST_CASE("shard_optimizer: a rank without a gradient contributes zeros; unused everywhere stays without") {
  const ProcessGroup& group = test_group();
  std::size_t n = 3;
  SUBCASE("in a bucket") {}
  SUBCASE("each in its own storage") { n = DistributedDataParallel::kInPlaceMinFloats; }
  for (const ReductionCase& reduction : reductions()) {
    CAPTURE(reduction.name);
    PartlyUsed model(n);
    DistributedDataParallel ddp = sharded(model, 25.0, reduction.options);
    SGD optimizer(ddp.optimizer_params(), 1.0);  // p -= g: the update shows the averaged gradient
    float r = static_cast<float>(group.rank());
    Tensor loss = sum(model.used * (r + 1.0f));  // d/dused = r + 1 on rank r
    if (group.rank() == 0) loss = loss + 5.0f * sum(model.rank0_only);
    loss.backward();
    ddp.average_gradients();
    CHECK_FALSE(model.used.has_grad());  // the averages are in the shards now
    CHECK_FALSE(ddp.optimizer_params()[2].has_grad());
    optimizer.step();
    ddp.gather_parameters();
    float ranks = static_cast<float>(group.world_size());
    for (std::size_t i : {std::size_t{0}, n / 2, n - 1}) {
      CHECK(model.used.value()(i) == doctest::Approx(1.0f - (ranks + 1.0f) / 2.0f));  // mean of 1..N
      CHECK(model.rank0_only.value()(i) == doctest::Approx(3.0f - 5.0f / ranks));
      CHECK(model.never.value()(i) == 4.0f);
    }
  }
}

TEST_CASE("shard_optimizer: a checkpoint moves between sharded ranks and one process, both ways") {
  const ProcessGroup& group = test_group();
  auto [x, y] = batch(5);
  auto straight = small_mlp(6);  // 20 steps of one process: what both resumed runs must match
  Adam straight_optimizer(straight->parameters(), AdamOptions(1e-2));
  for (int step = 0; step < 20; ++step) step_whole(*straight, straight_optimizer, x, y);
  std::string path = shared_path("checkpoint");

  SUBCASE("10 steps sharded on every rank, 10 more in one process") {
    auto model = small_mlp(6);
    DistributedDataParallel ddp = sharded(*model);
    Adam optimizer(ddp.optimizer_params(), AdamOptions(1e-2));
    for (int step = 0; step < 10; ++step) step_sharded(*model, ddp, optimizer, x, y);
    Value whole = ddp.optimizer_state_dict(optimizer);  // collective; the whole state on rank 0
    CHECK(whole.is_null() == !group.is_root());
    if (group.is_root()) {
      // The file a sharded run writes: the whole state through an optimizer over the whole model.
      Adam saver(model->parameters(), AdamOptions(1e-2));
      saver.load_state_dict(whole);
      save_checkpoint(path, {model.get(), &saver});
      // One process resumes it into a model that starts elsewhere.
      auto resumed = small_mlp(99);
      Adam resumed_optimizer(resumed->parameters(), AdamOptions(1e-2));
      Checkpoint checkpoint{resumed.get(), &resumed_optimizer};
      load_checkpoint(path, checkpoint);
      for (int step = 0; step < 10; ++step) step_whole(*resumed, resumed_optimizer, x, y);
      require_close(*resumed, *straight);
      std::filesystem::remove(path);
    }
  }
  SUBCASE("10 steps in one process, 10 more sharded on every rank") {
    auto one = small_mlp(6);
    Adam one_optimizer(one->parameters(), AdamOptions(1e-2));
    for (int step = 0; step < 10; ++step) step_whole(*one, one_optimizer, x, y);
    if (group.is_root()) save_checkpoint(path, {one.get(), &one_optimizer});
    group.barrier();  // the file is complete before any rank reads it
    auto model = small_mlp(99);
    Adam whole(model->parameters(), AdamOptions(1e-2));
    Checkpoint checkpoint{model.get(), &whole};
    load_checkpoint(path, checkpoint);
    group.barrier();  // every rank has read it before rank 0 removes it
    if (group.is_root()) std::filesystem::remove(path);
    DistributedDataParallel ddp = sharded(*model);
    Adam optimizer(ddp.optimizer_params(), AdamOptions(1e-2));
    ddp.load_optimizer_state_dict(optimizer, whole.state_dict());
    for (int step = 0; step < 10; ++step) step_sharded(*model, ddp, optimizer, x, y);
    REQUIRE(same_on_every_rank(values_hash(*model)));
    require_close(*model, *straight);
  }
}

TEST_CASE("shard_optimizer: misuse ends with a clear error on every rank") {
  auto [x, y] = batch(3);
  auto model = small_mlp(6);
  DistributedDataParallel ddp = sharded(*model);
  Adam optimizer(ddp.optimizer_params(), AdamOptions(1e-2));
  step_sharded(*model, ddp, optimizer, x, y);  // so that the optimizer has state

  // The shards' own state is not a whole state: it would resume with another rank's moments.
  CHECK(contains(error_of([&] { ddp.load_optimizer_state_dict(optimizer, optimizer.state_dict()); }),
                 "state.0.exp_avg has shape"));
  auto other = small_mlp(6, 17);  // another model's whole state
  Adam other_optimizer(other->parameters(), AdamOptions(1e-2));
  step_whole(*other, other_optimizer, x, y);
  CHECK(contains(error_of([&] { ddp.load_optimizer_state_dict(optimizer, other_optimizer.state_dict()); }),
                 "not its parameter's [16, 8]"));
  // An optimizer built over the model's parameters instead of the shards.
  Adam unsharded(model->parameters(), AdamOptions(1e-2));
  CHECK(contains(error_of([&] { ddp.optimizer_state_dict(unsharded); }),
                 "build the optimizer over ddp.optimizer_params()"));
  CHECK(contains(error_of([&] { ddp.load_optimizer_state_dict(unsharded, Value::dict()); }), "is not a shard"));
  // A whole state with another grouping: Optimizer::load_state_dict's own check.
  std::vector<Tensor> shards = ddp.optimizer_params();
  Adam grouped(std::vector<ParamGroup>{ParamGroup(std::vector<Tensor>{shards[0]}),
                                       ParamGroup(std::vector<Tensor>(shards.begin() + 1, shards.end()))});
  Adam saver(model->parameters(), AdamOptions(1e-2));
  CHECK(contains(error_of([&] { ddp.load_optimizer_state_dict(grouped, saver.state_dict()); }),
                 "different number of parameter groups"));
  CHECK(contains(error_of([&] { ddp.optimizer_params({Tensor(Array::from_shape({2}), true)}); }),
                 "is not a parameter of the wrapped module"));

  // A step whose gather_parameters() was forgotten.
  optimizer.zero_grad();
  BCEWithLogitsLoss()((*model)(shard(x)), shard(y)).backward();
  ddp.average_gradients();
  optimizer.step();
  CHECK_THROWS_AS(ddp.optimizer_state_dict(optimizer), std::logic_error);
  CHECK_THROWS_AS(ddp.average_gradients(), std::logic_error);
  ddp.gather_parameters();
  CHECK(same_on_every_rank(values_hash(*model)));

  // Ranks whose optimizers stepped differently: every rank refuses to gather, none hangs.
  const ProcessGroup& group = test_group();
  if (group.world_size() > 1) {
    if (group.rank() == 1) optimizer.step();  // only here: rank 1's step counts run ahead
    std::string message = "(no error)";
    try {
      ddp.optimizer_state_dict(optimizer);
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    CHECK(contains(message, "the ranks' optimizer states differ"));
  }
}
