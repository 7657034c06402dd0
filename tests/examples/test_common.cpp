// The examples' shared pieces (examples/common/): data set generators, the stratified split,
// standardisation, option parsing, the metrics log and the SVG plots.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/cli.hpp"
#include "common/datasets.hpp"
#include "common/plots.hpp"
#include "common/split.hpp"
#include "common/training.hpp"
#include "examples/xml_check.hpp"
#include "support/testing.hpp"

using namespace xtgrad;
using namespace xtgrad::examples;
using xtgrad::testing::xml_problem;

namespace {

bool same(const Array& a, const Array& b) { return a.shape() == b.shape() && a == b; }

std::size_t count_ones(const Array& y) { return static_cast<std::size_t>(std::count(y.begin(), y.end(), 1.0f)); }

}  // namespace

TEST_CASE("make_2d: shapes, 0/1 labels split half and half, finite values, for every data set") {
  for (const std::string& name : dataset_2d_names()) {
    CAPTURE(name);
    Generator gen(7);
    Dataset d = make_2d(name, 101, default_noise_2d(name), gen);
    CHECK(d.x.shape() == Shape{101, 2});
    CHECK(d.y.shape() == Shape{101, 1});
    CHECK(count_ones(d.y) == 51);
    CHECK(std::count(d.y.begin(), d.y.end(), 0.0f) == 50);
    CHECK(std::all_of(d.x.begin(), d.x.end(), [](float v) { return std::isfinite(v) && std::fabs(v) < 5.0f; }));
  }
  Generator gen(0);
  CHECK_THROWS_AS(make_2d("squares", 10, 0.1f, gen), std::invalid_argument);
}

TEST_CASE("make_2d: the same seed gives the same points, another seed other points") {
  for (const std::string& name : dataset_2d_names()) {
    CAPTURE(name);
    Generator a(3), b(3), c(4);
    Dataset da = make_2d(name, 64, 0.1f, a), db = make_2d(name, 64, 0.1f, b), dc = make_2d(name, 64, 0.1f, c);
    CHECK(same(da.x, db.x));
    CHECK(same(da.y, db.y));
    CHECK_FALSE(same(da.x, dc.x));
  }
}

TEST_CASE("make_2d: without noise the points lie on the shapes that define their class") {
  Generator gen(5);
  Dataset circles = make_circles(40, 0.0f, gen);
  for (std::size_t i = 0; i < 40; ++i)
    CHECK(std::hypot(circles.x(i, 0), circles.x(i, 1)) ==
          doctest::Approx(circles.y(i, 0) == 1.0f ? 0.5 : 1.0).epsilon(1e-5));
  Dataset blobs = make_xor_blobs(40, 0.0f, gen);
  for (std::size_t i = 0; i < 40; ++i) CHECK((blobs.x(i, 0) * blobs.x(i, 1) < 0.0f) == (blobs.y(i, 0) == 1.0f));
  Dataset moons = make_moons(40, 0.0f, gen);
  for (std::size_t i = 0; i < 40; ++i) {
    // upper moon: unit circle around (−0.5, −0.25); lower moon: around (0.5, 0.25)
    double cx = moons.y(i, 0) == 1.0f ? 0.5 : -0.5, cy = moons.y(i, 0) == 1.0f ? 0.25 : -0.25;
    CHECK(std::hypot(moons.x(i, 0) - cx, moons.x(i, 1) - cy) == doctest::Approx(1.0).epsilon(1e-5));
  }
  Dataset spirals = make_spirals(40, 0.0f, gen);
  for (std::size_t i = 0; i < 40; ++i) CHECK(std::hypot(spirals.x(i, 0), spirals.x(i, 1)) <= 1.0 + 1e-6);
}

TEST_CASE("make_marked_xor: two marked steps per sequence, zeros elsewhere, label = XOR of their bits") {
  Generator gen(11), again(11);
  Dataset d = make_marked_xor(200, 20, gen);
  REQUIRE(d.x.shape() == Shape{200, 20, 2});
  REQUIRE(d.y.shape() == Shape{200, 1});
  for (std::size_t n = 0; n < 200; ++n) {
    int marked = 0, bits = 0;
    for (std::size_t t = 0; t < 20; ++t) {
      float bit = d.x(n, t, 0), marker = d.x(n, t, 1);
      CHECK((marker == 0.0f || marker == 1.0f));
      if (marker == 1.0f) {
        ++marked;
        CHECK((bit == 0.0f || bit == 1.0f));
        bits ^= static_cast<int>(bit);
      } else {
        CHECK(bit == 0.0f);
      }
    }
    CHECK(marked == 2);
    CHECK(d.y(n, 0) == static_cast<float>(bits));
  }
  double positives = static_cast<double>(count_ones(d.y)) / 200.0;
  CHECK(positives > 0.35);
  CHECK(positives < 0.65);
  CHECK(same(make_marked_xor(200, 20, again).x, d.x));
  CHECK_THROWS_AS(make_marked_xor(4, 1, gen), std::invalid_argument);
}

TEST_CASE("stratified_split: class proportions kept, every row in exactly one part, seeded") {
  Array y = xt::zeros<float>({std::size_t{100}, std::size_t{1}});
  for (std::size_t i = 0; i < 100; i += 3) y(i, 0) = 1.0f;  // 34 ones, 66 zeros
  Generator gen(2), again(2), other(3);
  Split split = stratified_split(y, 0.2, gen);
  CHECK(split.test.size() == 20);  // round(0.2·34) + round(0.2·66) = 7 + 13
  CHECK(split.train.size() == 80);
  CHECK(count_ones(take_rows(y, split.test)) == 7);
  CHECK(count_ones(take_rows(y, split.train)) == 27);
  std::vector<std::size_t> all = split.train;
  all.insert(all.end(), split.test.begin(), split.test.end());
  std::sort(all.begin(), all.end());
  std::vector<std::size_t> expected(100);
  std::iota(expected.begin(), expected.end(), std::size_t{0});
  CHECK(all == expected);
  CHECK(std::is_sorted(split.train.begin(), split.train.end()));
  CHECK(std::is_sorted(split.test.begin(), split.test.end()));

  Split same_seed = stratified_split(y, 0.2, again);
  CHECK(same_seed.test == split.test);
  CHECK(stratified_split(y, 0.2, other).test != split.test);

  CHECK_THROWS_AS(stratified_split(y, 0.0, gen), std::invalid_argument);
  CHECK_THROWS_AS(stratified_split(y, 1.0, gen), std::invalid_argument);
  y(5, 0) = 2.5f;
  CHECK_THROWS_AS(stratified_split(y, 0.2, gen), std::invalid_argument);
  y(5, 0) = -1.0f;
  CHECK_THROWS_AS(stratified_split(y, 0.2, gen), std::invalid_argument);

  // Class indices: three classes of 30, 50 and 20 rows give 6 + 10 + 4 test rows.
  Array k = Array::from_shape({100});
  for (std::size_t i = 0; i < 100; ++i) k(i) = i < 30 ? 0.0f : (i < 80 ? 2.0f : 1.0f);
  Split three = stratified_split(k, 0.2, gen);
  Array test_k = take_rows(k, three.test);
  CHECK(std::count(test_k.begin(), test_k.end(), 0.0f) == 6);
  CHECK(std::count(test_k.begin(), test_k.end(), 2.0f) == 10);
  CHECK(std::count(test_k.begin(), test_k.end(), 1.0f) == 4);
  CHECK(three.train.size() == 80);
}

TEST_CASE("EarlyStopping: keeps the best epoch's weights and stops after patience epochs without a better loss") {
  Linear model(1, 1);
  EarlyStopping stopping(model, 2);
  CHECK(stopping.keep_going(1));
  const double losses[] = {0.5, 0.7, 0.6};
  for (int epoch = 1; epoch <= 3; ++epoch) {
    model.weight.mutable_value()(0, 0) = static_cast<float>(epoch);
    stopping.observe(model, epoch, losses[epoch - 1]);
  }
  CHECK(stopping.best_epoch() == 1);
  CHECK(stopping.best_loss() == 0.5);
  CHECK_FALSE(stopping.keep_going(4));  // epochs 2 and 3 did not improve: patience 2 is spent
  stopping.restore_best(model);
  CHECK(model.weight.value()(0, 0) == 1.0f);
}

TEST_CASE("take_rows: picks whole rows of 2-D and 3-D arrays in the given order") {
  Array a = xt::arange<float>(24);
  a.reshape({4, 3, 2});
  Array picked = take_rows(a, {3, 0, 3});
  REQUIRE(picked.shape() == Shape{3, 3, 2});
  CHECK(picked(0, 0, 0) == 18.0f);
  CHECK(picked(1, 2, 1) == 5.0f);
  CHECK(picked(2, 1, 0) == 20.0f);
  CHECK_THROWS_AS(take_rows(a, {4}), std::invalid_argument);
}

TEST_CASE("Standardizer: population mean and std per column, and std 1 for a constant column") {
  Array x = {{1.0f, 5.0f, 2.0f}, {3.0f, 5.0f, 4.0f}, {5.0f, 5.0f, 9.0f}};
  Standardizer s = Standardizer::fit(x);
  CHECK(s.mean[0] == doctest::Approx(3.0));
  CHECK(s.std[0] == doctest::Approx(std::sqrt(8.0 / 3.0)));
  CHECK(s.std[1] == 1.0f);
  Array z = s.transform(x);
  for (std::size_t c = 0; c < 3; ++c) {
    double mean = (z(0, c) + z(1, c) + z(2, c)) / 3.0;
    CHECK(mean == doctest::Approx(0.0).epsilon(1e-6));
  }
  CHECK(z(2, 0) == doctest::Approx(2.0 / std::sqrt(8.0 / 3.0)));
  Json j = s.to_json();
  CHECK(j["mean"].size() == 3);
  CHECK(j["std"][1].get<float>() == 1.0f);
  CHECK_THROWS_AS(s.transform(Array{{1.0f, 2.0f}}), std::invalid_argument);
}

TEST_CASE("parse_sizes: comma-separated positive integers") {
  CHECK(parse_sizes("32,32") == std::vector<std::size_t>{32, 32});
  CHECK(parse_sizes("16") == std::vector<std::size_t>{16});
  for (const char* bad : {"", "32,", ",32", "0", "a", "3.5", "-4", "32,,32"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_sizes(bad), std::invalid_argument);
  }
}

TEST_CASE("MetricsLog: a header and one CSV line per added row") {
  MetricsLog log({"epoch", "loss"});
  log.add({1, 0.5});
  log.add({2, 0.25});
  CHECK(log.rows() == 2);
  CHECK(log.to_csv() == "epoch,loss\n1,0.5\n2,0.25\n");
  CHECK(log.column("loss") == std::vector<double>{0.5, 0.25});
  CHECK_THROWS_AS(log.add({3}), std::invalid_argument);
}

TEST_CASE("xml_problem: accepts well-formed documents and names what is wrong in others") {
  CHECK(xml_problem("<?xml version=\"1.0\"?>\n<svg a=\"1\" b='x &amp; y'><g/><text>a &lt; b</text></svg>\n") == "");
  CHECK(xml_problem("<svg><g></svg>") != "");
  CHECK(xml_problem("<svg>a & b</svg>") != "");
  CHECK(xml_problem("<svg a=1></svg>") != "");
  CHECK(xml_problem("<svg a=\"1\"a=\"2\"></svg>") != "");
  CHECK(xml_problem("<svg></svg><svg></svg>") != "");
  CHECK(xml_problem("<svg>") != "");
  CHECK(xml_problem("") != "");
}

TEST_CASE("plots: line charts and decision-boundary maps are well-formed SVG, text escaped") {
  LineChart chart;
  chart.title = "loss <train> & \"test\"";
  chart.series = {{"train", "#1f77b4", {0.7, 0.5, 0.4}}, {"test", "#ff7f0e", {0.8, std::nan(""), 0.45}}};
  chart.marker_x = 2;
  chart.marker_label = "best";
  std::string svg = render_line_chart(chart);
  CHECK(xml_problem(svg) == "");
  CHECK(svg.find("loss &lt;train&gt; &amp; &quot;test&quot;") != std::string::npos);
  chart.series = {{"one epoch", "red", {0.3}}};
  CHECK(xml_problem(render_line_chart(chart)) == "");

  Generator gen(1);
  Dataset data = make_circles(50, 0.05f, gen);
  // p = σ(x1): the boundary is the line x1 = 0, through the middle of the plot
  auto linear = std::make_shared<Linear>(2, 1, true, gen);
  linear->weight.mutable_value() = Array{{1.0f, 0.0f}};
  linear->bias.mutable_value() = Array{0.0f};
  Sequential model{linear};
  ProbabilityGrid grid = predict_grid(model, data.x, 21);
  REQUIRE(grid.p.shape() == Shape{21, 21});
  CHECK(grid.x1 - grid.x0 == doctest::Approx(grid.y1 - grid.y0));
  CHECK(grid.p(3, 0) < 0.5f);
  CHECK(grid.p(3, 20) > 0.5f);
  std::string map = render_decision_boundary("circles & <mlp>", grid, data, take_rows(data, {0, 1}));
  CHECK(xml_problem(map) == "");
  CHECK(map.rfind("<?xml", 0) == 0);
  CHECK(map.find("<path") != std::string::npos);
}

TEST_CASE("train_epoch: a loss that becomes NaN stops training with the epoch and batch named") {
  Generator gen(3);
  Dataset data = make_moons(40, 0.1f, gen);
  data.x(25, 1) = NAN;  // one bad feature: its batch's loss is NaN
  Sequential model{std::make_shared<Linear>(2, 4, true, gen), std::make_shared<Linear>(4, 1, true, gen)};
  SGD sgd(model.parameters(), 0.1);
  Generator order(0);  // shuffles nothing into the first batch but the order is seeded
  std::string message;
  try {
    train_epoch(model, sgd, data, 40, order, 0.0, /*epoch=*/7);
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  CHECK(message.find("training diverged: the loss is NaN at epoch 7, batch 1") == 0);
  // The check is an option: off, the NaN is left for the caller to see.
  EpochResult unchecked = train_epoch(model, sgd, data, 40, order, 0.0, 7, /*stop_on_nonfinite=*/false);
  CHECK(std::isnan(unchecked.loss));
}
