// SVG elements as text. Numbers are rounded to two decimals: ample for pixels, and it keeps
// the files small.
#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace xtgrad::examples {

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string rgb(double r, double g, double b) {
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)); };
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", byte(r), byte(g), byte(b));
  return buffer;
}

std::string num(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  std::string s = buffer;
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke,
               double stroke_width) {
  body_ << "<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\"" << num(w) << "\" height=\"" << num(h)
        << "\" fill=\"" << escape_xml(fill) << "\"";
  if (stroke != "none")
    body_ << " stroke=\"" << escape_xml(stroke) << "\" stroke-width=\"" << num(stroke_width) << "\"";
  body_ << "/>\n";
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& stroke, double stroke_width,
               const std::string& dash) {
  body_ << "<line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2) << "\" y2=\"" << num(y2)
        << "\" stroke=\"" << escape_xml(stroke) << "\" stroke-width=\"" << num(stroke_width) << "\"";
  if (!dash.empty()) body_ << " stroke-dasharray=\"" << escape_xml(dash) << "\"";
  body_ << "/>\n";
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke,
                   double stroke_width) {
  body_ << "<polyline fill=\"none\" stroke=\"" << escape_xml(stroke) << "\" stroke-width=\"" << num(stroke_width)
        << "\" stroke-linejoin=\"round\" points=\"";
  for (std::size_t i = 0; i < points.size(); ++i)
    body_ << (i ? " " : "") << num(points[i].first) << "," << num(points[i].second);
  body_ << "\"/>\n";
}

void Svg::circle(double cx, double cy, double r, const std::string& fill, const std::string& stroke,
                 double stroke_width) {
  body_ << "<circle cx=\"" << num(cx) << "\" cy=\"" << num(cy) << "\" r=\"" << num(r) << "\" fill=\""
        << escape_xml(fill) << "\"";
  if (stroke != "none")
    body_ << " stroke=\"" << escape_xml(stroke) << "\" stroke-width=\"" << num(stroke_width) << "\"";
  body_ << "/>\n";
}

void Svg::path(const std::string& d, const std::string& stroke, double stroke_width) {
  if (d.empty()) return;  // an empty path is valid XML but an SVG error in some viewers
  body_ << "<path fill=\"none\" stroke=\"" << escape_xml(stroke) << "\" stroke-width=\"" << num(stroke_width)
        << "\" stroke-linecap=\"round\" d=\"" << escape_xml(d) << "\"/>\n";
}

void Svg::text(double x, double y, const std::string& content, double size, const std::string& anchor, double rotate,
               const std::string& weight) {
  body_ << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" font-size=\"" << num(size) << "\" text-anchor=\""
        << escape_xml(anchor) << "\"";
  if (weight != "normal") body_ << " font-weight=\"" << escape_xml(weight) << "\"";
  if (rotate != 0.0) body_ << " transform=\"rotate(" << num(rotate) << " " << num(x) << " " << num(y) << ")\"";
  body_ << ">" << escape_xml(content) << "</text>\n";
}

std::string Svg::str() const {
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width_) << "\" height=\"" << num(height_)
      << "\" viewBox=\"0 0 " << num(width_) << " " << num(height_) << "\" font-family=\"sans-serif\">\n"
      << "<rect x=\"0\" y=\"0\" width=\"" << num(width_) << "\" height=\"" << num(height_) << "\" fill=\"white\"/>\n"
      << body_.str() << "</svg>\n";
  return out.str();
}

}  // namespace xtgrad::examples
