// Plots for image classifiers, as SVG text: a confusion matrix as a heat map, and small
// grey-scale images in a grid with a caption each (misclassified digits, say).
#pragma once

#include <string>
#include <vector>

#include <xtgrad/xtgrad.hpp>

namespace xtgrad::examples {

/// counts [C, C] (row = true class, column = predicted, as multiclass_confusion_matrix): each
/// cell shaded by its share of its row and labelled with its count; `names` labels the classes.
std::string render_confusion_heatmap(const std::string& title, const Array& counts,
                                     const std::vector<std::string>& names);

/// One captioned grey-scale image.
struct CaptionedImage {
  Array pixels;  ///< [H, W], values in [0, 1] (0 white, 1 black)
  std::string caption;
};

/// The images in rows of `columns`, each drawn `scale` pixels per image pixel; an empty list
/// gives a short note instead.
std::string render_image_grid(const std::string& title, const std::vector<CaptionedImage>& images,
                              std::size_t columns = 10, double scale = 6.0);

}  // namespace xtgrad::examples
