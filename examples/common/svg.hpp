// A minimal SVG writer: a few shapes in user units, text escaped, always well-formed XML.
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace xtgrad::examples {

/// `&`, `<`, `>`, `"` and `'` as XML entities.
std::string escape_xml(const std::string& text);

/// "#rrggbb" for components in [0, 1].
std::string rgb(double r, double g, double b);

/// An SVG document of width × height user units (pixels), origin at the top left, y down.
/// Every element is written closed, every attribute value quoted and escaped.
class Svg {
 public:
  Svg(double width, double height);

  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "none",
            double stroke_width = 1.0);
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double stroke_width = 1.0,
            const std::string& dash = "");
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke,
                double stroke_width = 1.5);
  void circle(double cx, double cy, double r, const std::string& fill, const std::string& stroke = "none",
              double stroke_width = 1.0);
  /// A path with SVG path data `d` ("M x y L x y ..."), stroked, unfilled.
  void path(const std::string& d, const std::string& stroke, double stroke_width = 1.0);
  /// anchor: "start", "middle" or "end"; rotate: degrees about (x, y).
  void text(double x, double y, const std::string& content, double size = 12.0, const std::string& anchor = "start",
            double rotate = 0.0, const std::string& weight = "normal");

  double width() const { return width_; }
  double height() const { return height_; }
  /// The whole document: XML declaration, <svg> root with viewBox, the elements in order.
  std::string str() const;

 private:
  double width_, height_;
  std::ostringstream body_;
};

/// A number with at most `digits` decimals and no trailing zeros (compact path data).
std::string num(double value, int digits = 2);

}  // namespace xtgrad::examples
