// Line charts, decision-boundary maps and scatter plots drawn with the Svg writer. Data coordinates map to
// pixels through a linear Axis; the y axis points up, so its pixel range runs backwards.
#include "plots.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "svg.hpp"

namespace xtgrad::examples {
namespace {

const std::string kClassColour[2] = {"#2166ac", "#b2182b"};

// Linear map from [lo, hi] in data units to [from, to] in pixels.
struct Axis {
  double lo, hi, from, to;
  double operator()(double v) const { return from + (v - lo) / (hi - lo) * (to - from); }
};

// A "nice" tick spacing (1, 2 or 5 times a power of ten) giving about `target` intervals.
double nice_step(double range, double target = 5.0) {
  double raw = range / target;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double norm = raw / magnitude;
  return (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
}

int decimals_for(double step) { return std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9))); }

// Tick marks and labels along the bottom (horizontal) or left (vertical) edge of a plot area.
void draw_ticks(Svg& svg, const Axis& axis, bool horizontal, double edge, double grid_from, double grid_to,
                double step) {
  int digits = decimals_for(step);
  for (double v = std::ceil(axis.lo / step - 1e-9) * step; v <= axis.hi + step * 1e-9; v += step) {
    double px = axis(v);
    if (horizontal) {
      svg.line(px, grid_from, px, grid_to, "#e6e6e6");
      svg.line(px, edge, px, edge + 5, "#444");
      svg.text(px, edge + 18, num(v, digits), 11, "middle");
    } else {
      svg.line(grid_from, px, grid_to, px, "#e6e6e6");
      svg.line(edge - 5, px, edge, px, "#444");
      svg.text(edge - 8, px + 4, num(v, digits), 11, "end");
    }
  }
}

// Shade of the probability map: white at p = 0.5, deepening to each class's colour.
std::string shade(double p) {
  double t = 0.55 * std::min(1.0, std::fabs(p - 0.5) * 2.0);
  double r = p > 0.5 ? 0.84 : 0.26, g = p > 0.5 ? 0.38 : 0.52, b = p > 0.5 ? 0.30 : 0.78;
  return rgb(1.0 - t * (1.0 - r), 1.0 - t * (1.0 - g), 1.0 - t * (1.0 - b));
}

// The p = 0.5 contour by marching squares, as SVG path data in pixel coordinates.
std::string contour_path(const ProbabilityGrid& grid, const Axis& ax, const Axis& ay) {
  std::string d;
  std::size_t n = grid.n;
  auto at = [&](std::size_t i, std::size_t j) { return static_cast<double>(grid.p(j, i)) - 0.5; };
  auto coord = [&](double i, double j) {
    double step_x = (grid.x1 - grid.x0) / static_cast<double>(n - 1),
           step_y = (grid.y1 - grid.y0) / static_cast<double>(n - 1);
    return num(ax(grid.x0 + i * step_x)) + " " + num(ay(grid.y0 + j * step_y));
  };
  for (std::size_t j = 0; j + 1 < n; ++j)
    for (std::size_t i = 0; i + 1 < n; ++i) {
      // corners in order around the cell, and the point where each edge crosses the level
      double v[4] = {at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)};
      const double ci[4] = {0, 1, 1, 0}, cj[4] = {0, 0, 1, 1};
      std::string cross[4];
      int count = 0;
      for (int e = 0; e < 4; ++e) {
        int f = (e + 1) % 4;
        if ((v[e] > 0) == (v[f] > 0)) continue;
        double t = v[e] / (v[e] - v[f]);
        cross[e] = coord(static_cast<double>(i) + ci[e] + t * (ci[f] - ci[e]),
                         static_cast<double>(j) + cj[e] + t * (cj[f] - cj[e]));
        ++count;
      }
      auto segment = [&](int a, int b) { d += "M" + cross[a] + "L" + cross[b]; };
      if (count == 2) {
        int a = -1, b = -1;
        for (int e = 0; e < 4; ++e)
          if (!cross[e].empty()) (a < 0 ? a : b) = e;
        segment(a, b);
      } else if (count == 4) {
        // saddle: the centre's side decides which diagonal pair of corners stays connected
        bool centre_like_corner0 = ((v[0] + v[1] + v[2] + v[3]) > 0) == (v[0] > 0);
        if (centre_like_corner0) {
          segment(0, 1);
          segment(2, 3);
        } else {
          segment(3, 0);
          segment(1, 2);
        }
      }
    }
  return d;
}

}  // namespace

std::string render_line_chart(const LineChart& chart) {
  const double width = 760, height = 440, left = 70, right = 190, top = 40, bottom = 55;
  std::size_t n = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& s : chart.series) {
    n = std::max(n, s.values.size());
    for (double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) lo = 0.0, hi = 1.0;
  lo = chart.y_min.value_or(std::min(lo, 0.0));
  hi = chart.y_max.value_or(hi);
  if (!(hi > lo)) hi = lo + 1.0;
  double y_step = nice_step(hi - lo);
  if (!chart.y_max) hi = std::ceil(hi / y_step - 1e-9) * y_step;

  Svg svg(width, height);
  Axis ax{n > 1 ? 1.0 : 0.5, n > 1 ? static_cast<double>(n) : 1.5, left, width - right};
  Axis ay{lo, hi, height - bottom, top};
  svg.text(left, 24, chart.title, 15, "start", 0, "bold");
  draw_ticks(svg, ax, true, height - bottom, top, height - bottom, std::max(1.0, nice_step(ax.hi - ax.lo, 8)));
  draw_ticks(svg, ay, false, left, left, width - right, y_step);
  svg.rect(left, top, width - left - right, height - top - bottom, "none", "#444");
  svg.text((left + width - right) / 2, height - 14, chart.x_label, 12, "middle");
  svg.text(18, (top + height - bottom) / 2, chart.y_label, 12, "middle", -90);

  if (chart.marker_x) {
    double px = ax(*chart.marker_x);
    svg.line(px, top, px, height - bottom, "#777", 1.2, "5,4");
    svg.text(px + 4, top + 14, chart.marker_label, 11);
  }
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const Series& s = chart.series[k];
    std::vector<std::pair<double, double>> points;
    for (std::size_t i = 0; i < s.values.size(); ++i)
      if (std::isfinite(s.values[i]))
        points.emplace_back(ax(static_cast<double>(i + 1)), ay(std::clamp(s.values[i], lo, hi)));
    if (points.size() == 1) svg.circle(points[0].first, points[0].second, 3, s.colour);
    else svg.polyline(points, s.colour, 2.0);
    // legend, right of the plot area, where it cannot hide a curve
    double lx = width - right + 14, ly = top + 12 + 20 * static_cast<double>(k);
    svg.line(lx, ly - 4, lx + 24, ly - 4, s.colour, 2.5);
    svg.text(lx + 30, ly, s.name, 12);
  }
  return svg.str();
}

ProbabilityGrid predict_grid(Module& model, const Array& x, std::size_t n, double margin) {
  double min_x = x(0, 0), max_x = min_x, min_y = x(0, 1), max_y = min_y;
  for (std::size_t r = 0; r < x.shape()[0]; ++r) {
    min_x = std::min<double>(min_x, x(r, 0)), max_x = std::max<double>(max_x, x(r, 0));
    min_y = std::min<double>(min_y, x(r, 1)), max_y = std::max<double>(max_y, x(r, 1));
  }
  double half = std::max(max_x - min_x, max_y - min_y) / 2 + margin;
  double cx = (min_x + max_x) / 2, cy = (min_y + max_y) / 2;
  ProbabilityGrid grid{cx - half, cx + half, cy - half, cy + half, n, Array()};
  Array points = Array::from_shape({n * n, std::size_t{2}});
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t i = 0; i < n; ++i) {
      points(j * n + i, 0) =
          static_cast<float>(grid.x0 + (grid.x1 - grid.x0) * static_cast<double>(i) / static_cast<double>(n - 1));
      points(j * n + i, 1) =
          static_cast<float>(grid.y0 + (grid.y1 - grid.y0) * static_cast<double>(j) / static_cast<double>(n - 1));
    }
  NoGrad no_grad;
  grid.p = sigmoid(model(Tensor(points))).value();
  grid.p.reshape({n, n});
  return grid;
}

std::string render_decision_boundary(const std::string& title, const ProbabilityGrid& grid, const Dataset& train,
                                     const Dataset& test) {
  const double left = 55, top = 45, size = 560, width = left + size + 25, height = top + size + 75;
  Svg svg(width, height);
  Axis ax{grid.x0, grid.x1, left, left + size}, ay{grid.y0, grid.y1, top + size, top};
  svg.text(left, 28, title, 15, "start", 0, "bold");

  // Cells between lattice points, shaded by their corners' mean probability; runs of equal
  // shade along a row merge into one rectangle, which keeps the file small.
  std::size_t n = grid.n;
  double cell_w = size / static_cast<double>(n - 1), cell_h = cell_w;
  for (std::size_t j = 0; j + 1 < n; ++j) {
    double y = top + size - cell_h * static_cast<double>(j + 1);
    std::size_t run_start = 0;
    std::string run_shade;
    for (std::size_t i = 0; i <= n - 1; ++i) {
      std::string s;
      if (i + 1 < n) {
        double p = (grid.p(j, i) + grid.p(j, i + 1) + grid.p(j + 1, i) + grid.p(j + 1, i + 1)) / 4.0;
        s = shade(std::round(p * 20.0) / 20.0);
      }
      if (s != run_shade) {
        if (!run_shade.empty())
          svg.rect(left + cell_w * static_cast<double>(run_start), y, cell_w * static_cast<double>(i - run_start) + 0.4,
                   cell_h + 0.4, run_shade);
        run_start = i;
        run_shade = s;
      }
    }
  }
  draw_ticks(svg, ax, true, top + size, top, top, nice_step(grid.x1 - grid.x0));
  draw_ticks(svg, ay, false, left, left, left, nice_step(grid.y1 - grid.y0));
  svg.path(contour_path(grid, ax, ay), "#222", 2.0);
  for (std::size_t r = 0; r < train.size(); ++r)
    svg.circle(ax(train.x(r, 0)), ay(train.x(r, 1)), 3.2, kClassColour[train.y(r, 0) > 0.5f], "white", 0.8);
  for (std::size_t r = 0; r < test.size(); ++r)
    svg.circle(ax(test.x(r, 0)), ay(test.x(r, 1)), 3.6, kClassColour[test.y(r, 0) > 0.5f], "black", 1.4);
  svg.rect(left, top, size, size, "none", "#444");
  svg.text(left + size / 2, top + size + 36, "x1", 12, "middle");
  svg.text(left - 38, top + size / 2, "x2", 12, "middle", -90);

  // legend under the plot
  double ly = height - 14;
  svg.circle(left + 6, ly - 4, 4, kClassColour[0], "white", 0.8);
  svg.text(left + 14, ly, "class 0", 12);
  svg.circle(left + 86, ly - 4, 4, kClassColour[1], "white", 0.8);
  svg.text(left + 94, ly, "class 1", 12);
  svg.circle(left + 166, ly - 4, 4, "#999", "black", 1.4);
  svg.text(left + 174, ly, "test point (outlined)", 12);
  svg.line(left + 320, ly - 4, left + 346, ly - 4, "#222", 2.0);
  svg.text(left + 352, ly, "p = 0.5; shading: p(class 1)", 12);
  return svg.str();
}

}  // namespace xtgrad::examples

namespace xtgrad::examples {

std::string render_scatter(const ScatterPlot& plot) {
  const double size = 560, left = 70, right = 24, top = 40, bottom = 55;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const ScatterSeries& s : plot.series)
    for (const auto& [x, y] : s.points)
      if (std::isfinite(x) && std::isfinite(y)) lo = std::min({lo, x, y}), hi = std::max({hi, x, y});
  if (!std::isfinite(lo)) lo = 0.0, hi = 1.0;
  if (!(hi > lo)) hi = lo + 1.0;
  double step = nice_step(hi - lo);
  lo = std::floor(lo / step + 1e-9) * step;
  hi = std::ceil(hi / step - 1e-9) * step;
  const double legend = 22.0 * static_cast<double>(plot.series.size());
  Svg svg(size, size + legend);
  Axis ax{lo, hi, left, size - right};
  Axis ay{lo, hi, size - bottom, top};
  svg.text(left, 24, plot.title, 15, "start", 0, "bold");
  draw_ticks(svg, ax, true, size - bottom, top, size - bottom, step);
  draw_ticks(svg, ay, false, left, left, size - right, step);
  svg.rect(left, top, size - left - right, size - top - bottom, "none", "#444");
  svg.line(ax(lo), ay(lo), ax(hi), ay(hi), "#777", 1.2, "5,4");  // y = x: a perfect prediction
  svg.text((left + size - right) / 2, size - 14, plot.x_label, 12, "middle");
  svg.text(18, (top + size - bottom) / 2, plot.y_label, 12, "middle", -90);
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const ScatterSeries& s = plot.series[k];
    for (const auto& [x, y] : s.points)
      if (std::isfinite(x) && std::isfinite(y)) svg.circle(ax(x), ay(y), 3.2, s.colour, "#ffffff", 0.6);
    double ly = size + 14 + 22 * static_cast<double>(k);
    svg.circle(left + 6, ly - 4, 4, s.colour);
    svg.text(left + 16, ly, s.name, 12);
  }
  return svg.str();
}

}  // namespace xtgrad::examples
