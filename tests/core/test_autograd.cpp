// The tape: accumulation, release after backward, NoGrad, errors, threads, bounded memory.
#include <thread>

#include "support/testing.hpp"
#include "xtgrad/core/detail/tensor_impl.hpp"

using namespace xtgrad;

TEST_CASE("backward: gradients accumulate until zero_grad") {
  Tensor x = tensor({1, 2, 3}, true);
  sum(x * x).backward();
  CHECK(x.grad() == Array{2, 4, 6});
  sum(x * x).backward();
  CHECK(x.grad() == Array{4, 8, 12});
  x.zero_grad();
  CHECK_FALSE(x.has_grad());
}

TEST_CASE("backward: a tensor used twice gets both contributions") {
  Tensor x = tensor({3}, true);
  Tensor y = x * x + x;  // dy/dx = 2x + 1
  sum(y).backward();
  CHECK(x.grad()(0) == 7.0f);
}

TEST_CASE("backward: the tape is released, and a second backward is a clear error") {
  clear_tape();
  Tensor x = tensor({1, 2}, true);
  Tensor loss = sum(exp(x));
  CHECK(tape_size() == 2);
  loss.backward();
  CHECK(tape_size() == 0);
  CHECK_THROWS_WITH_AS(loss.backward(),
                       "backward: trying to backward through the graph a second time; an earlier backward() "
                       "already released it",
                       std::invalid_argument);
}

TEST_CASE("backward: through a part of the graph another backward released is an error") {
  Tensor x = tensor({1, 2}, true);
  Tensor h = exp(x);
  Tensor a = sum(h);
  Tensor b = sum(h * 2.0f);
  a.backward();
  CHECK_THROWS_AS(b.backward(), std::invalid_argument);
  clear_tape();
}

TEST_CASE("grad: an op's output says that only leaves keep their gradient, as in PyTorch") {
  // torch 1.13: w = torch.ones(2, requires_grad=True); h = w * 2; h.sum().backward(); h.grad is None,
  // with the warning that .grad of a non-leaf tensor is not populated; w.grad is [2, 2].
  Tensor w = ones({2}, true);
  Tensor h = w * 2.0f;
  sum(h).backward();
  CHECK(w.grad() == Array{2, 2});
  CHECK_THROWS_WITH_AS(h.grad(),
                       doctest::Contains(
                           "grad: this tensor is an op's output, whose gradient backward() does not keep"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ones({2}).grad(), doctest::Contains("it does not require grad"), std::invalid_argument);
}

namespace {
// Elementwise, within doctest::Approx's relative 1e-6 of PyTorch's float32 values.
void check_retained_close_to(const Array& actual, const std::vector<double>& expected) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k)
    CHECK(actual.data()[k] == doctest::Approx(expected[k]).epsilon(1e-6));
}
}  // namespace

TEST_CASE("retain_grad: an op's output keeps its gradient, as PyTorch's retain_grad()") {
  // torch 1.13: w = torch.tensor([1., 2, 3], requires_grad=True); h = w * 2; h.retain_grad();
  // r = torch.tanh(h * 0.25); r.retain_grad(); y = (r * r).sum(); y.retain_grad(); y.backward()
  // gives the gradients below. tanh's backward would write its input's gradient over its
  // output's buffer; a kept one is not given away.
  Tensor w = tensor({1, 2, 3}, true);
  Tensor h = w * 2.0f;
  h.retain_grad();
  Tensor r = tanh(h * 0.25f);
  r.retain_grad();
  Tensor y = sum(r * r);
  y.retain_grad();
  y.backward();
  check_retained_close_to(h.grad(), {0.1817154884338379, 0.15992498397827148, 0.08178314566612244});
  check_retained_close_to(r.grad(), {0.9242343306541443, 1.5231883525848389, 1.8102965354919434});
  CHECK(y.grad() == Array(1.0f));
  check_retained_close_to(w.grad(), {0.3634309768676758, 0.31984996795654297, 0.16356629133224487});
  Tensor leaf = tensor({1, 2}, true);
  leaf.retain_grad();  // a leaf keeps its gradient anyway
  CHECK(leaf.is_leaf());
  // torch: "can't retain_grad on Tensor that has requires_grad=False"
  CHECK_THROWS_WITH_AS(ones({2}).retain_grad(),
                       "retain_grad: this tensor does not require grad, so it gets no gradient to keep",
                       std::invalid_argument);
}

TEST_CASE("backward: a value changed in place after an op used it is refused, as PyTorch's version counter") {
  // torch 1.13: x = tensor([1., 2], requires_grad=True); w = tensor([3., 4], requires_grad=True);
  // y = (x * w).sum(); with torch.no_grad(): w.copy_(tensor([30., 40])); y.backward() raises "one of
  // the variables needed for gradient computation has been modified by an inplace operation".
  // xtgrad gave x.grad [30, 40]: the gradient of values the forward pass never saw.
  const std::string message =
      "backward: 'mul' reads a value that was changed in place after 'mul' used it (input 1 [2] at version 1; "
      "copy_(), mutable_value() and an optimizer's step() change values in place), so its gradient would be of "
      "values the forward pass never saw; call backward() before the change, change the value before the "
      "forward pass, or change a copy (detach() or clone())";
  Tensor x = tensor({1, 2}, true), w = tensor({3, 4}, true);
  Tensor y = sum(x * w);
  w.copy_(tensor({30, 40}));
  CHECK_THROWS_WITH_AS(y.backward(), message.c_str(), std::invalid_argument);
  CHECK(!x.has_grad());
  clear_tape();

  // An optimizer's step (mutable_value) between a forward pass and its backward likewise.
  Tensor a = tensor({1, 2}, true), b = tensor({3, 4}, true);
  Tensor z = sum(a * b);
  b.mutable_grad() = Array{1, 1};
  SGD(std::vector<Tensor>{b}, SGDOptions(0.1)).step();
  CHECK_THROWS_AS(z.backward(), std::invalid_argument);
  clear_tape();

  // A saved output changed in place: exp's backward reads it.
  Tensor e = tensor({0, 1}, true);
  Tensor ex = exp(e);
  Tensor total = sum(ex * 1.0f);
  ex.mutable_value()(0) = 5.0f;
  CHECK_THROWS_AS(total.backward(), std::invalid_argument);
  clear_tape();

  // Changes no backward reads are fine: add reads neither input, and a change before the
  // forward pass is what the forward pass saw.
  Tensor p = tensor({1, 2}, true), q = tensor({3, 4}, true);
  Tensor s = sum(p + q);
  q.copy_(tensor({0, 0}));
  s.backward();
  CHECK(q.grad() == Array{1, 1});
  p.copy_(tensor({5, 6}));
  Tensor t = sum(p * q);
  t.backward();
  CHECK(p.grad() == Array{1, 1});  // 1 from the sum, then q = 0
}

TEST_CASE("backward: an independent graph survives another graph's backward") {
  Tensor x = tensor({1, 2}, true);
  Tensor a = sum(x * 2.0f);
  Tensor b = sum(x * 3.0f);
  a.backward();
  b.backward();
  CHECK(x.grad() == Array{5, 5});
}

TEST_CASE("backward: non-scalar needs an explicit gradient of the right shape") {
  Tensor x = tensor({1, 2}, true);
  Tensor y = x * 3.0f;
  CHECK_THROWS_AS(y.backward(), std::invalid_argument);
  CHECK_THROWS_AS(y.backward(Array{1, 1, 1}), std::invalid_argument);
  y.backward(Array{1, 10});
  CHECK(x.grad() == Array{3, 30});
  Tensor c = tensor({1, 2});
  CHECK_THROWS_AS(sum(c).backward(), std::invalid_argument);
}

TEST_CASE("NoGrad: nothing is recorded and outputs do not require grad") {
  clear_tape();
  Tensor x = tensor({1, 2}, true);
  {
    NoGrad guard;
    CHECK_FALSE(is_grad_enabled());
    Tensor y = sum(x * x);
    CHECK_FALSE(y.requires_grad());
  }
  CHECK(is_grad_enabled());
  CHECK(tape_size() == 0);
  Tensor c = tensor({1, 2});
  Tensor d = c * c;  // no input requires grad: nothing recorded either
  CHECK(tape_size() == 0);
}

TEST_CASE("tape: abandoned graphs are collected, so memory stays bounded") {
  clear_tape();
  Tensor w = randn({4, 4}, true);
  Tensor x = randn({2, 4});
  std::size_t largest = 0;
  for (int step = 0; step < 20000; ++step) {
    Tensor y = relu(matmul(x, w));  // inference without NoGrad; never backpropagated
    largest = std::max(largest, tape_size());
  }
  CHECK(largest <= 8192);
  // A graph still held by the user is not collected.
  Tensor kept = sum(matmul(x, w));
  for (int step = 0; step < 10000; ++step) Tensor y = relu(matmul(x, w));
  kept.backward();
  CHECK(w.has_grad());
  clear_tape();
}

TEST_CASE("tape: two threads build and differentiate their own graphs at once") {
  auto train = [](float scale, float* out) {
    Tensor x = full({8}, scale, true);
    for (int i = 0; i < 2000; ++i) sum(x * x).backward();
    *out = x.grad()(0);
  };
  float a = 0, b = 0;
  std::thread t1(train, 1.0f, &a), t2(train, 2.0f, &b);
  t1.join();
  t2.join();
  CHECK(a == 2.0f * 2000);
  CHECK(b == 4.0f * 2000);
}

TEST_CASE("record: a user-defined op with its own backward") {
  // cube(x) = x³ with d/dx = 3x²
  auto cube = [](const Tensor& x) {
    Array y = x.value() * x.value() * x.value();
    return record("cube", std::move(y), {x},
                  [](BackwardContext& ctx) { ctx.add(0, Array(3.0f * ctx.input(0) * ctx.input(0) * ctx.grad())); });
  };
  Tensor x = tensor({1.5f, -0.5f, 2.0f}, true);
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return cube(in[0]); }, {x});
}

TEST_CASE("backward: an explicit upstream gradient is read, not modified, and reaches the inputs") {
  Tensor x = tensor({1, 2, 3}, true);
  Tensor y = x * 2.0f;
  Array upstream{0.5f, -1.0f, 4.0f};
  y.backward(upstream);
  CHECK(upstream == Array{0.5f, -1.0f, 4.0f});
  CHECK(x.grad() == Array{1, -2, 8});
}

TEST_CASE("backward: branches the loss does not use are dropped with the graph") {
  clear_tape();
  Tensor w = randn({3, 3}, true);
  for (int step = 0; step < 100; ++step) {
    Tensor h = matmul(ones({2, 3}), w);
    { Tensor dropped = exp(h); }  // recorded, not part of the loss, and no longer held
    Tensor held = tanh(h);        // recorded, not part of the loss, still held by the caller
    sum(h).backward();
    CHECK(tape_size() == 1);  // only `held`'s entry: nothing accumulates step after step
  }
  clear_tape();
}

TEST_CASE("tape: dropping the last handle of a graph's outputs releases its entries at once") {
  clear_tape();
  Tensor w = randn({4, 3}, true);
  Tensor x = randn({2, 4});
  {
    Tensor y = sum(relu(matmul(x, w)));
    CHECK(tape_size() == 3);
  }
  CHECK(tape_size() == 0);  // not at the next backward, now
  for (int step = 0; step < 1000; ++step) {
    Tensor y = relu(matmul(x, w));  // evaluation without NoGrad
    CHECK(tape_size() == 2);
  }
  CHECK(tape_size() == 0);
  // Reassigning a handle drops what it held.
  Tensor h = exp(matmul(x, w));
  CHECK(tape_size() == 2);
  h = tanh(matmul(x, w));
  CHECK(tape_size() == 2);
  h = Tensor();
  CHECK(tape_size() == 0);
}

TEST_CASE("tape: a graph still referenced survives while its other branches are released") {
  clear_tape();
  Tensor w = tensor({1, 2, 3}, true);
  Tensor kept;
  {
    Tensor h = w * 2.0f;            // intermediate: its handle goes out of scope below
    kept = sum(exp(h));             // still uses h through its entry
    Tensor branch = sum(h * 3.0f);  // dropped at the end of the scope: only its two entries go
    CHECK(tape_size() == 5);
  }
  CHECK(tape_size() == 3);
  kept.backward();
  CHECK_ALL_CLOSE(w.grad(), Array(2.0f * xt::exp(Array{2, 4, 6})), 1e-5, 1e-5);
  CHECK(tape_size() == 0);
}

TEST_CASE("tape: a 100,000-op chain dropped at once is released without deep recursion") {
  clear_tape();
  Tensor x = tensor({1, 2}, true);
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0f;
  CHECK(tape_size() == 100000);
  y = x;  // drops the end of the chain: each entry releases the one before it, in a loop
  CHECK(tape_size() == 0);
  // The same chain with the backward of each step holding a handle of its input: the handles
  // dropped while entries are destroyed are queued, not followed recursively.
  auto scale_keeping_input = [](const Tensor& t) {
    return record("scale", Array(t.value() * 1.0f), {t}, [t](BackwardContext& ctx) { ctx.add(0, ctx.grad()); });
  };
  for (int i = 0; i < 100000; ++i) y = scale_keeping_input(y);
  CHECK(tape_size() == 100000);
  y = Tensor();
  CHECK(tape_size() == 0);
}

TEST_CASE("tape: a multi-output op backpropagates through a kept output after the others were dropped") {
  // outputs (y = 2x, s = sum(y), z = y²); backward reads output 0 (y), as the LSTM reads its sequence.
  auto three = [](const Tensor& x) {
    Array y = 2.0f * x.value();
    Array s = xt::sum(y);
    Array z = y * y;
    return record_multi("three", {y, s, z}, {x}, [](BackwardContext& ctx) {
      const Array& y = ctx.output(0);
      Array dy = xt::zeros<float>(y.shape());
      if (const Array* g = ctx.grad(0)) dy += *g;
      if (const Array* g = ctx.grad(1)) dy += (*g)();
      if (const Array* g = ctx.grad(2)) dy += 2.0f * y * *g;
      ctx.add(0, Array(2.0f * dy));
    });
  };
  clear_tape();
  Tensor x = tensor({1, -2, 3}, true);
  Tensor z;
  {
    std::vector<Tensor> outs = three(x);
    z = outs[2];
  }  // y and s dropped: the entry stays, for z
  CHECK(tape_size() == 1);
  sum(z).backward();  // d(Σ (2x)²)/dx = 8x
  CHECK(x.grad() == Array{8, -16, 24});
  CHECK(tape_size() == 0);
  x.zero_grad();
  Tensor s;
  {
    std::vector<Tensor> outs = three(x);
    s = outs[1];
  }
  s.backward();
  CHECK(x.grad() == Array{2, 2, 2});
  { std::vector<Tensor> outs = three(x); }  // all dropped: released
  CHECK(tape_size() == 0);
}

TEST_CASE("tape: a tensor dropped on another thread leaves both tapes intact") {
  clear_tape();
  Tensor w = tensor({1, 2}, true);
  Tensor moved = exp(w * 2.0f);
  Tensor kept = sum(w * 3.0f);
  CHECK(tape_size() == 4);
  std::thread other([t = std::move(moved)]() mutable {
    Tensor own = sum(tensor({1.0f}, true) * 2.0f);  // this thread's own tape
    own.backward();
    t = Tensor();  // another thread's output: left to that thread's sweeps
  });
  other.join();
  CHECK(tape_size() == 4);
  kept.backward();  // ... which the next backward runs
  CHECK(w.grad() == Array{3, 3});
  CHECK(tape_size() == 0);
}

TEST_CASE("backward: an op's output is freed once its backward ran, and activations reuse its gradient") {
  // x·2 → relu → relu → sum, on n floats, with no handle kept on the intermediates. The
  // allocation limit counts what is taken and not yet given back: at most three arrays of n
  // floats at once, since x·2's value goes with its handle (mul by a scalar reads nothing, relu
  // its own output). Holding every output until backward() returns, or a second gradient buffer
  // in each relu's backward, would need a fourth (at x·2's backward, and at the last relu's).
  constexpr std::size_t n = 1 << 16;
  constexpr std::size_t array_bytes = n * sizeof(float);
  Tensor x = ones({n}, true);
  auto forward = [&x] {  // two arrays at once: x·2's value is gone before the second relu runs
    Tensor h = relu(x * 2.0f);
    return sum(relu(h));
  };
  {
    AllocationLimit limit(3 * array_bytes + array_bytes / 2);  // room for the scalars too
    Tensor loss = forward();
    CHECK_NOTHROW(loss.backward());
  }
  CHECK(x.grad() == xt::ones<float>({n}) * 2.0f);
  AllocationLimit tighter(2 * array_bytes + array_bytes / 2);  // the limit does bind, in backward()
  Tensor loss = forward();
  CHECK_THROWS_AS(loss.backward(), std::length_error);
  clear_tape();
}

namespace {
// The tensor behind a handle, held weakly: it neither keeps the value nor counts as a handle.
std::weak_ptr<detail::TensorImpl> watch(const Tensor& t) { return detail::ImplAccess::impl(t); }
}  // namespace

TEST_CASE("tape: a value no backward reads is freed with its last handle, and the gradients do not change") {
  Generator gen(21);
  Tensor x = randn({16, 8}, gen, true), w = randn({4, 8}, gen, true), b = randn({4}, gen, true);
  Tensor upstream = randn({16, 4}, gen);
  auto grads = [&] {
    std::vector<Array> g{x.grad(), w.grad(), b.grad()};
    for (Tensor* t : {&x, &w, &b}) t->zero_grad();
    return g;
  };
  // Kept: a handle on linear's output while backward runs.
  Tensor h = linear(x, w, b);
  Tensor r = relu(h);
  r.backward(upstream.value());
  std::vector<Array> with_handles = grads();
  // Dropped: linear reads x and W, relu its own output, so linear's output goes with its handle.
  h = linear(x, w, b);
  std::weak_ptr<detail::TensorImpl> h_impl = watch(h);
  Array h_value = h.value();
  r = relu(h);
  h = Tensor();
  REQUIRE_FALSE(h_impl.expired());  // the tape keeps the tensor, for its gradient
  CHECK(h_impl.lock()->value_dropped);
  CHECK(h_impl.lock()->value.shape() == h_value.shape());
  r.backward(upstream.value());
  std::vector<Array> without = grads();
  for (std::size_t i = 0; i < 3; ++i) CHECK(without[i] == with_handles[i]);
}

TEST_CASE("tape: a value is kept while a handle holds it or a backward reads it") {
  Generator gen(22);
  Tensor x = randn({4, 3}, gen, true), w = randn({2, 3}, gen, true);
  // another handle: a copy outlives the one dropped
  Tensor h = linear(x, w);
  Tensor copy = h;
  Array expected = h.value();
  Tensor r = relu(h);
  h = Tensor();
  CHECK(copy.value() == expected);
  // a consumer that does not say what it reads is taken to read everything (mul by a scalar
  // said so before it declared that it reads nothing)
  h = linear(x, w);
  std::weak_ptr<detail::TensorImpl> h_impl = watch(h);
  Tensor y = record("reads_all", Array(h.value()), {h}, [](BackwardContext& ctx) { ctx.add(0, ctx.grad()); });
  h = Tensor();
  CHECK_FALSE(h_impl.lock()->value_dropped);
  // an op that reads its output (relu) keeps it even with no handle left on it
  Tensor out = relu(linear(x, w));
  std::weak_ptr<detail::TensorImpl> out_impl = watch(out);
  Tensor z = sum(out);
  out = Tensor();
  CHECK_FALSE(out_impl.lock()->value_dropped);
  clear_tape();
}

TEST_CASE("tape: an op that reads a value it declared unread gets a clear error, not freed memory") {
  Tensor x = tensor({1, 2, 3}, true);
  Tensor h = linear(reshape(x, {1, 3}), reshape(tensor({1, 1, 1}), {1, 3}));
  // claims to read nothing, then reads its input
  Tensor y = record(
      "liar", Array(h.value()), {h}, [](BackwardContext& ctx) { ctx.add(0, ctx.input(0)); }, BackwardReads{0, false});
  h = Tensor();
  try {
    sum(y).backward();
    FAIL("expected std::logic_error");
  } catch (const std::logic_error& e) {
    CHECK(std::string(e.what()).find("backward of 'liar' read its input 0, whose value it declared unread") !=
          std::string::npos);
  }
  clear_tape();
}
