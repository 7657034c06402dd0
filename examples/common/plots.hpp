// The examples' plots, as SVG text: metric curves over epochs, a 2-D classifier's probability
// map with its decision boundary and the data points, and predicted against actual values.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <xtgrad/xtgrad.hpp>

#include "datasets.hpp"

namespace xtgrad::examples {

struct Series {
  std::string name;
  std::string colour;          ///< any SVG colour, e.g. "#1f77b4"
  std::vector<double> values;  ///< one per epoch, plotted at x = 1, 2, ...
};

struct LineChart {
  std::string title, x_label = "epoch", y_label;
  std::vector<Series> series;
  std::optional<double> y_min, y_max;  ///< fixed axis range; by default from the data (and 0)
  std::optional<double> marker_x;      ///< a dashed vertical line, e.g. at the best epoch
  std::string marker_label;
};

/// A 760 × 440 chart with axes, tick labels, grid lines and a legend on the right.
std::string render_line_chart(const LineChart& chart);

/// Model probabilities on an n × n lattice of points spanning [x0, x1] × [y0, y1].
struct ProbabilityGrid {
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  std::size_t n = 0;
  Array p;  ///< [n, n]: p(j, i) at x = x0 + i·(x1 − x0)/(n − 1), y = y0 + j·(y1 − y0)/(n − 1)
};

/// Runs `model` (2 inputs, 1 logit) without recording on the lattice of a square region that
/// holds every point of `x` [N, 2] with a margin, and applies σ.
ProbabilityGrid predict_grid(Module& model, const Array& x, std::size_t n = 121, double margin = 0.25);

/// A 640 × 640 plot: the grid shaded from blue (p = 0) through white to red (p = 1), the
/// p = 0.5 contour (marching squares), training points as filled dots and test points as
/// dots with a dark outline, coloured by their true class, and a legend.
std::string render_decision_boundary(const std::string& title, const ProbabilityGrid& grid, const Dataset& train,
                                     const Dataset& test);

struct ScatterSeries {
  std::string name;
  std::string colour;
  std::vector<std::pair<double, double>> points;  ///< (x, y) in data units
};

/// Points on equal x and y axes (e.g. actual against predicted values), with the y = x line.
struct ScatterPlot {
  std::string title, x_label, y_label;
  std::vector<ScatterSeries> series;
};

/// A 560 × 560 plot (plus a legend line per series below it), both axes over the same range.
std::string render_scatter(const ScatterPlot& plot);

}  // namespace xtgrad::examples
