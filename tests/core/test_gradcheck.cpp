// gradcheck itself: it must fail on a wrong backward and point at the wrong element.
#include "support/testing.hpp"

using namespace xtgrad;
using Inputs = std::vector<Tensor>;

TEST_CASE("gradcheck: reports a wrong backward with the worst element") {
  // square with a backward that is wrong for the element at index 2 only
  auto bad_square = [](const Inputs& v) {
    return record("bad_square", v[0].value() * v[0].value(), {v[0]}, [](BackwardContext& ctx) {
      Array g = 2.0f * ctx.input(0) * ctx.grad();
      g(2) *= 1.5f;
      ctx.add(0, std::move(g));
    });
  };
  GradcheckResult r = gradcheck(bad_square, {tensor({0.5f, -1.0f, 2.0f, 1.5f}, true)});
  CHECK_FALSE(r.ok);
  CHECK(r.input == 0);
  CHECK(r.index == 2);
  CHECK(r.message.find("FAILED") != std::string::npos);
  CHECK(r.analytic == doctest::Approx(1.5 * r.numeric).epsilon(1e-2));
}

TEST_CASE("gradcheck: a missing gradient fails and inputs without grad are skipped") {
  auto drops_b = [](const Inputs& v) {
    return record("drops_b", v[0].value() * v[1].value(), {v[0], v[1]},
                  [](BackwardContext& ctx) { ctx.add(0, Array(ctx.grad() * ctx.input(1))); });
  };
  CHECK_FALSE(gradcheck(drops_b, {tensor({1, 2}, true), tensor({3, 4}, true)}).ok);
  CHECK(gradcheck(drops_b, {tensor({1, 2}, true), tensor({3, 4}, false)}).ok);
  CHECK_THROWS_AS(gradcheck(drops_b, {tensor({1, 2}), tensor({3, 4})}), std::invalid_argument);
}

TEST_CASE("gradcheck: leaves the caller's inputs untouched") {
  Tensor x = tensor({1, 2, 3}, true);
  CHECK(gradcheck([](const Inputs& v) { return exp(v[0]); }, {x}).ok);
  CHECK(x.value() == Array{1, 2, 3});
  CHECK_FALSE(x.has_grad());
}
