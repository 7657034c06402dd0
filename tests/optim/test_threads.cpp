// Two threads train two separate models at once and get exactly the results of running one
// after the other (run under ThreadSanitizer in CI).
#include <cstring>
#include <thread>

#include "support/testing.hpp"

using namespace xtgrad;

namespace {

// Trains a small MLP with Adam from `seed` and returns its final parameters.
std::vector<Array> train(std::uint64_t seed) {
  Generator gen(seed);
  manual_seed(seed);  // the calling thread's default generator, used by Linear's init
  Sequential net{std::make_shared<Linear>(4, 16), std::make_shared<Tanh>(), std::make_shared<Linear>(16, 1)};
  Tensor x = randn({64, 4}, gen);
  Tensor y = zeros({64, 1});
  for (std::size_t i = 0; i < 64; ++i) y.mutable_value()(i, 0) = x.value()(i, 0) * x.value()(i, 1) > 0 ? 1.0f : 0.0f;
  Adam adam(net.parameters());
  for (int step = 0; step < 200; ++step) {
    adam.zero_grad();
    binary_cross_entropy_with_logits(net(x), y).backward();
    adam.step();
  }
  std::vector<Array> out;
  for (const Tensor& p : net.parameters()) out.push_back(p.value());
  return out;
}

bool identical(const std::vector<Array>& a, const std::vector<Array>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].shape() != b[i].shape() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

}  // namespace

TEST_CASE("threads: two models trained concurrently match the same two trained one after the other") {
  std::vector<Array> first = train(1), second = train(2);
  std::vector<Array> concurrent_first, concurrent_second;
  std::thread a([&] { concurrent_first = train(1); });
  std::thread b([&] { concurrent_second = train(2); });
  a.join();
  b.join();
  CHECK(identical(first, concurrent_first));
  CHECK(identical(second, concurrent_second));
  CHECK_FALSE(identical(first, second));
}

TEST_CASE("threads: long loops split over two threads give the results of one thread") {
  // Over 2 x 2^18 elements, and not a multiple of a SIMD width, so each chunk edge is exercised.
  const std::size_t n = 600001;
  auto run = [&](int threads) {
    set_num_threads(threads);
    Generator gen(7);
    Tensor p = randn({n}, gen, true);
    Array upstream = randn({n}, gen).value();
    AdamW adam({p});
    std::vector<Array> out;
    for (int step = 0; step < 3; ++step) {
      adam.zero_grad();
      Tensor y = sigmoid(p);
      Tensor t = tanh(p);
      y.backward(upstream);
      t.backward(upstream);
      adam.step();
      out.push_back(y.value());
    }
    out.push_back(p.value());
    set_num_threads(1);
    return out;
  };
  std::vector<Array> one = run(1), two = run(2);
  CHECK(identical(one, two));
}
