// The confusion heat map and the image grid, drawn with the Svg writer.
#include "image_plots.hpp"

#include <algorithm>
#include <stdexcept>

#include "svg.hpp"

namespace xtgrad::examples {

std::string render_confusion_heatmap(const std::string& title, const Array& counts,
                                     const std::vector<std::string>& names) {
  if (counts.dimension() != 2 || counts.shape()[0] != counts.shape()[1] || names.size() != counts.shape()[0])
    throw std::invalid_argument("render_confusion_heatmap: expected [C, C] counts and C names");
  const std::size_t c = names.size();
  const double cell = 40, left = 90, top = 70;
  Svg svg(left + cell * static_cast<double>(c) + 30, top + cell * static_cast<double>(c) + 50);
  svg.text(12, 24, title, 15, "start", 0, "bold");
  svg.text(left + cell * static_cast<double>(c) / 2, top - 30, "predicted class", 12, "middle");
  svg.text(24, top + cell * static_cast<double>(c) / 2, "true class", 12, "middle", -90);
  for (std::size_t t = 0; t < c; ++t) {
    double row_total = 0;
    for (std::size_t p = 0; p < c; ++p) row_total += counts(t, p);
    double y = top + cell * static_cast<double>(t);
    svg.text(left - 8, y + cell / 2 + 4, names[t], 12, "end");
    svg.text(left + cell * (static_cast<double>(t) + 0.5), top - 8, names[t], 12, "middle");
    for (std::size_t p = 0; p < c; ++p) {
      // The share of the true class's rows: the diagonal is dark when a class is recognised,
      // and a confusion stands out in its row whatever the class sizes.
      double share = row_total > 0 ? counts(t, p) / row_total : 0.0;
      double x = left + cell * static_cast<double>(p);
      std::string fill = p == t ? rgb(1 - 0.8 * share, 1 - 0.45 * share, 1 - 0.2 * share)
                                : rgb(1 - 0.1 * std::min(1.0, 4 * share), 1 - 0.7 * std::min(1.0, 4 * share),
                                      1 - 0.7 * std::min(1.0, 4 * share));
      svg.rect(x, y, cell, cell, fill, "#bbbbbb", 0.5);
      if (counts(t, p) > 0)
        svg.text(x + cell / 2, y + cell / 2 + 4, std::to_string(static_cast<long>(counts(t, p))), 12, "middle", 0,
                 p == t && share > 0.6 ? "bold" : "normal");
    }
  }
  return svg.str();
}

std::string render_image_grid(const std::string& title, const std::vector<CaptionedImage>& images, std::size_t columns,
                              double scale) {
  if (columns == 0) throw std::invalid_argument("render_image_grid: columns must be positive");
  std::size_t h = images.empty() ? 8 : images[0].pixels.shape()[0],
              w = images.empty() ? 8 : images[0].pixels.shape()[1];
  const double pad = 10, caption = 16, cell_w = scale * static_cast<double>(w) + pad,
               cell_h = scale * static_cast<double>(h) + caption + pad, top = 40;
  std::size_t rows = std::max<std::size_t>(1, (images.size() + columns - 1) / columns);
  Svg svg(std::max(420.0,
                   pad + cell_w * static_cast<double>(std::min(columns, std::max<std::size_t>(images.size(), 1)))),
          top + cell_h * static_cast<double>(rows) + pad);
  svg.text(pad, 24, title, 15, "start", 0, "bold");
  if (images.empty()) svg.text(pad, top + 20, "(none)", 12);
  for (std::size_t k = 0; k < images.size(); ++k) {
    const CaptionedImage& image = images[k];
    if (image.pixels.dimension() != 2 || image.pixels.shape()[0] != h || image.pixels.shape()[1] != w)
      throw std::invalid_argument("render_image_grid: every image must have the first one's shape");
    double x0 = pad + cell_w * static_cast<double>(k % columns), y0 = top + cell_h * static_cast<double>(k / columns);
    for (std::size_t i = 0; i < h; ++i)
      for (std::size_t j = 0; j < w; ++j) {
        double ink = std::clamp<double>(image.pixels(i, j), 0.0, 1.0);
        svg.rect(x0 + scale * static_cast<double>(j), y0 + scale * static_cast<double>(i), scale, scale,
                 rgb(1 - ink, 1 - ink, 1 - ink));
      }
    svg.rect(x0, y0, scale * static_cast<double>(w), scale * static_cast<double>(h), "none", "#999999", 0.5);
    svg.text(x0, y0 + scale * static_cast<double>(h) + 12, image.caption, 10, "start", 0, "normal");
  }
  return svg.str();
}

}  // namespace xtgrad::examples
