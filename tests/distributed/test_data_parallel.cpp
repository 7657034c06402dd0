// Data parallelism against one process: averaged gradients, 20-step trajectories, identical
// parameters on every rank, unused and tied parameters, the broadcast and the metric reductions; the
// gradient cases under each GradientReduction (and the shared window between pretend-nodes).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>

#include <xtensor/xview.hpp>
#include <xtgrad/xtgrad.hpp>

#include "training.hpp"

using namespace xtgrad;
using namespace xtgrad::test;

TEST_CASE("broadcast_parameters: every rank starts from rank 0's values") {
  const ProcessGroup& group = test_group();
  auto model = small_mlp(100 + static_cast<std::uint64_t>(group.rank()));  // different values per rank
  broadcast_parameters(group, *model);
  CHECK(same_on_every_rank(values_hash(*model)));
  CHECK(values_hash(*model) == values_hash(*small_mlp(100)));
}

TEST_CASE("average_gradients: N ranks on B/N rows each equal one process on all B rows") {
  const ProcessGroup& group = test_group();
  auto [x, y] = batch(1);
  BCEWithLogitsLoss loss_fn;
  double bucket_cap_mb = 25.0;
  std::size_t hidden = 16;
  SUBCASE("one bucket") {}
  SUBCASE("three buckets") { bucket_cap_mb = 1e-4; }                 // 26 floats: [4.*, 2.bias] [2.weight] [0.*]
  SUBCASE("a large gradient reduced where it is") { hidden = 256; }  // 2.weight: 65,536 floats
  auto reference = small_mlp(3, hidden);
  loss_fn((*reference)(Tensor(x)), Tensor(y)).backward();
  for (const ReductionCase& reduction : reductions()) {
    CAPTURE(reduction.name);
    auto model = small_mlp(3, hidden);
    DistributedDataParallel ddp(group, *model, DataParallelOptions(reduction.options).bucket_cap_mb(bucket_cap_mb));
    bool mpi = reduction.options.reduction() == GradientReduction::mpi_allreduce;
    CHECK(ddp.bucket_count() == (!mpi ? 0u : bucket_cap_mb < 1 ? 3u : 1u));
    CHECK(ddp.in_place_count() == (mpi && hidden == 256 ? 1u : 0u));
    // The mean over this rank's rows; the average of equal-sized shards' means is the batch mean.
    loss_fn((*model)(shard(x)), shard(y)).backward();
    ddp.average_gradients();
    NamedTensors expected = reference->named_parameters(), got = model->named_parameters();
    for (std::size_t k = 0; k < got.size(); ++k) {
      CAPTURE(got[k].first);
      CHECK(max_abs_diff(got[k].second.grad(), expected[k].second.grad()) < 1e-6f);
    }
  }
}

TEST_CASE("DistributedDataParallel: 20 Adam steps match one process, parameters identical on every rank") {
  const ProcessGroup& group = test_group();
  auto [x, y] = batch(2);
  BCEWithLogitsLoss loss_fn;
  for (const ReductionCase& reduction : reductions()) {
    CAPTURE(reduction.name);
    auto reference = small_mlp(4);
    auto model = small_mlp(4);
    Adam reference_optimizer(reference->parameters(), AdamOptions(1e-2));
    Adam optimizer(model->parameters(), AdamOptions(1e-2));
    DistributedDataParallel ddp(group, *model, reduction.options);
    for (int step = 1; step <= 20; ++step) {
      reference_optimizer.zero_grad();
      loss_fn((*reference)(Tensor(x)), Tensor(y)).backward();
      reference_optimizer.step();

      optimizer.zero_grad();
      loss_fn((*model)(shard(x)), shard(y)).backward();
      ddp.average_gradients();
      optimizer.step();

      CAPTURE(step);
      REQUIRE(same_on_every_rank(values_hash(*model)));
      require_close(*model, *reference);
    }
  }
}

TEST_CASE("average_gradients: a rank without a gradient contributes zeros; unused everywhere stays without") {
  const ProcessGroup& group = test_group();
  std::size_t n = 3;
  SUBCASE("in a bucket") {}
  SUBCASE("reduced where they are") { n = DistributedDataParallel::kInPlaceMinFloats; }
  for (const ReductionCase& reduction : reductions()) {
    CAPTURE(reduction.name);
    PartlyUsed model(n);
    DistributedDataParallel ddp(group, model, reduction.options);
    bool mpi = reduction.options.reduction() == GradientReduction::mpi_allreduce;
    CHECK(ddp.in_place_count() == (mpi && n > 3 ? 3u : 0u));
    float r = static_cast<float>(group.rank());
    Tensor loss = sum(model.used * (r + 1.0f));  // d/dused = r + 1 on rank r
    if (group.rank() == 0) loss = loss + 5.0f * sum(model.rank0_only);
    loss.backward();
    ddp.average_gradients();
    float ranks = static_cast<float>(group.world_size());
    for (std::size_t i : {std::size_t{0}, n - 1}) {
      CHECK(model.used.grad()(i) == doctest::Approx((ranks + 1.0f) / 2.0f));  // mean of 1..N
      REQUIRE(model.rank0_only.has_grad());
      CHECK(model.rank0_only.grad()(i) == doctest::Approx(5.0f / ranks));
    }
    CHECK_FALSE(model.never.has_grad());
  }
}

TEST_CASE("average_gradients: a gradient of 3 values, in parts of different sizes") {
  const ProcessGroup& group = test_group();
  for (const ReductionCase& reduction : reductions()) {
    CAPTURE(reduction.name);
    PartlyUsed model(3);
    DistributedDataParallel ddp(group, model, reduction.options);
    float r = static_cast<float>(group.rank());
    sum(model.used * Tensor(Array{r, 2.0f * r, 1.0f})).backward();
    ddp.average_gradients();
    float ranks = static_cast<float>(group.world_size());
    CHECK(model.used.grad()(0) == doctest::Approx((ranks - 1.0f) / 2.0f));  // mean of 0..N-1
    CHECK(model.used.grad()(1) == doctest::Approx(ranks - 1.0f));
    CHECK(model.used.grad()(2) == 1.0f);
    CHECK(same_on_every_rank(std::hash<std::string>()(
        std::string(reinterpret_cast<const char*>(model.used.grad().data()), 3 * sizeof(float)))));
  }
}

TEST_CASE("DataParallelOptions::ranks_per_node: a negative count is refused") {
  PartlyUsed model(3);
  CHECK_THROWS_WITH_AS(DistributedDataParallel(test_group(), model, DataParallelOptions().ranks_per_node(-1)),
                       doctest::Contains("ranks_per_node"), std::invalid_argument);
}

TEST_CASE("ProcessGroup: metric reductions give every rank the same numbers") {
  const ProcessGroup& group = test_group();
  int n = group.world_size();
  double r = group.rank();
  CHECK(group.all_reduce_sum(r + 1.0) == doctest::Approx(n * (n + 1) / 2.0));
  CHECK(group.all_reduce_mean(r) == doctest::Approx((n - 1) / 2.0));
  CHECK(group.all_reduce_sum(static_cast<std::int64_t>(10)) == 10 * n);
  std::vector<double> loss_and_count = group.all_reduce_sum(std::vector<double>{0.5 * (r + 1), 3.0});
  CHECK(loss_and_count[0] == doctest::Approx(0.25 * n * (n + 1)));
  CHECK(loss_and_count[1] == 3.0 * n);
  group.barrier();
}

TEST_CASE("average_gradients: every rank ends the step with rank 0's buffers (BatchNorm's running statistics)") {
  const ProcessGroup& group = test_group();
  auto [x, y] = batch(7);
  Generator gen(8);
  Sequential model{std::make_shared<Linear>(8, 4, true, gen), std::make_shared<BatchNorm1d>(4),
                   std::make_shared<ReLU>(), std::make_shared<Linear>(4, 1, true, gen)};
  DistributedDataParallel ddp(group, model);
  BCEWithLogitsLoss loss_fn;
  loss_fn(model(shard(x)), shard(y)).backward();  // each rank's statistics from its own rows
  auto buffers_hash = [&] {
    std::uint64_t hash = 14695981039346656037ull;
    for (const auto& [name, b] : model.named_buffers()) {
      const auto* bytes = reinterpret_cast<const unsigned char*>(b.value().data());
      for (std::size_t i = 0; i < b.numel() * sizeof(float); ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
    }
    return hash;
  };
  std::uint64_t before = buffers_hash();
  ddp.average_gradients();
  CHECK(same_on_every_rank(buffers_hash()));
  if (group.rank() == 0) CHECK(buffers_hash() == before);               // rank 0's are the ones kept
  if (group.world_size() > 1) CHECK_FALSE(same_on_every_rank(before));  // they did differ
}

namespace {

// One tensor registered under two names, as a language model ties its embedding and output.
struct TiedTwice : Module {
  explicit TiedTwice(std::size_t n) : w(register_parameter("w", full({n}, 1.0f))) { register_parameter("w_tied", w); }
  Tensor w;
  std::string type_name() const override { return "TiedTwice"; }
};

}  // namespace

TEST_CASE("average_gradients: a parameter registered twice (tied weights) is averaged once") {
  // torch 1.13, gloo, 2 ranks: m.a = m.b = nn.Parameter(torch.ones(5)); DDP(m);
  // ((rank + 1) * m.a).sum().backward() gives m.a.grad = 1.5 on both ranks: the mean of 1..N.
  const ProcessGroup& group = test_group();
  const float ranks = static_cast<float>(group.world_size());
  const float mean = (ranks + 1.0f) / 2.0f;
  for (bool sharded : {false, true})
    for (const ReductionCase& reduction : reductions()) {
      CAPTURE(std::string(reduction.name));
      CAPTURE(sharded);
      TiedTwice model(5);  // parts of 3 and 2 values on 2 ranks
      DistributedDataParallel ddp(group, model, DataParallelOptions(reduction.options).shard_optimizer(sharded));
      sum(model.w * static_cast<float>(group.rank() + 1)).backward();
      ddp.average_gradients();
      if (!sharded)
        for (std::size_t i = 0; i < 5; ++i) CHECK(model.w.grad()(i) == mean);
      std::vector<Tensor> params = ddp.optimizer_params();
      CHECK(params.size() == 1);  // an optimizer refuses a parameter listed twice
      SGD optimizer({params[0]}, SGDOptions(1.0));
      optimizer.step();
      ddp.gather_parameters();
      for (std::size_t i = 0; i < 5; ++i) CHECK(model.w.value()(i) == 1.0f - mean);
    }
}

namespace {

// A parameter and a non-persistent buffer (not in state_dict()) of `n` values, all `value`.
struct ScratchBuffer : Module {
  ScratchBuffer(std::size_t n, float value) : w(register_parameter("w", full({2}, 1.0f))) {
    scratch = register_buffer("scratch", full({n}, value), /*persistent=*/false);
  }
  Tensor w, scratch;
  std::string type_name() const override { return "ScratchBuffer"; }
};

}  // namespace

TEST_CASE("DistributedDataParallel: non-persistent buffers are rank 0's from the start, their shapes checked") {
  // torch 1.13, gloo, 2 ranks: m.register_buffer("scratch", torch.full((3,), 10.0 + rank),
  // persistent=False); DDP(m) leaves m.scratch == [10, 10, 10] on both ranks (its
  // _sync_module_states broadcasts named_buffers(), not the state_dict).
  const ProcessGroup& group = test_group();
  ScratchBuffer model(3, 10.0f + static_cast<float>(group.rank()));
  DistributedDataParallel ddp(group, model);
  for (std::size_t i = 0; i < 3; ++i) CHECK(model.scratch.value()(i) == 10.0f);

  // Each step broadcasts every buffer: a rank whose buffer has another size must be named before.
  const bool last = group.rank() == group.world_size() - 1;
  ScratchBuffer other(last && group.world_size() > 1 ? 4 : 3, 0.0f);
  const std::string named = "rank " + std::to_string(group.world_size() - 1) + " has 2 tensors, 6 values";
  if (group.world_size() == 1) CHECK_NOTHROW(check_same_model(group, other));
  else CHECK_THROWS_WITH_AS(check_same_model(group, other), doctest::Contains(named.c_str()), std::runtime_error);
}
