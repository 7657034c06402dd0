// Splits and standardisation. Statistics are accumulated in double, then stored as float32,
// the precision in which both the examples and `xtgrad predict` apply them.
#include "split.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace xtgrad::examples {

void shuffle(std::vector<std::size_t>& indices, Generator& gen) {
  for (std::size_t i = indices.size(); i > 1; --i) std::swap(indices[i - 1], indices[gen.below(i)]);
}

Split stratified_split(const Array& labels, double test_fraction, Generator& gen) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw std::invalid_argument("stratified_split: expected 0 < test_fraction < 1, got " +
                                std::to_string(test_fraction));
  // Classes in index order (0 first, then 1, ...), so a 0/1 split draws as it always has.
  std::vector<std::vector<std::size_t>> by_class(2);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    float y = labels.data()[i];
    if (!(y >= 0.0f && y < 65536.0f) || std::floor(y) != y)
      throw std::invalid_argument("stratified_split: labels must be class indices (whole numbers from 0), got " +
                                  std::to_string(y) + " at row " + std::to_string(i));
    auto c = static_cast<std::size_t>(y);
    if (c >= by_class.size()) by_class.resize(c + 1);
    by_class[c].push_back(i);
  }
  Split split;
  for (auto& rows : by_class) {
    shuffle(rows, gen);
    auto n_test = static_cast<std::size_t>(std::lround(test_fraction * static_cast<double>(rows.size())));
    split.test.insert(split.test.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n_test));
    split.train.insert(split.train.end(), rows.begin() + static_cast<std::ptrdiff_t>(n_test), rows.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

Array take_rows(const Array& a, const std::vector<std::size_t>& indices) {
  if (a.dimension() == 0) throw std::invalid_argument("take_rows: expected an array with rows, got a 0-d array");
  Shape shape(a.shape().begin(), a.shape().end());
  std::size_t rows = shape[0], row_size = rows == 0 ? 0 : a.size() / rows;
  shape[0] = indices.size();
  Array out = Array::from_shape(shape);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= rows)
      throw std::invalid_argument("take_rows: row " + std::to_string(indices[k]) + " of " + std::to_string(rows));
    std::memcpy(out.data() + k * row_size, a.data() + indices[k] * row_size, row_size * sizeof(float));
  }
  return out;
}

Dataset take_rows(const Dataset& d, const std::vector<std::size_t>& indices) {
  return {take_rows(d.x, indices), take_rows(d.y, indices)};
}

Standardizer Standardizer::fit(const Array& x) {
  if (x.dimension() != 2 || x.shape()[0] == 0)
    throw std::invalid_argument("Standardizer::fit: expected rows [N, F] with N > 0");
  std::size_t n = x.shape()[0], f = x.shape()[1];
  Standardizer s;
  for (std::size_t c = 0; c < f; ++c) {
    double sum = 0.0, sum_sq = 0.0;
    for (std::size_t r = 0; r < n; ++r) sum += x(r, c);
    double mean = sum / static_cast<double>(n);
    for (std::size_t r = 0; r < n; ++r) sum_sq += (x(r, c) - mean) * (x(r, c) - mean);
    double std_dev = std::sqrt(sum_sq / static_cast<double>(n));
    s.mean.push_back(static_cast<float>(mean));
    s.std.push_back(std_dev > 0.0 ? static_cast<float>(std_dev) : 1.0f);
  }
  return s;
}

Array Standardizer::transform(const Array& x) const {
  if (x.dimension() != 2 || x.shape()[1] != mean.size())
    throw std::invalid_argument("Standardizer::transform: expected rows of " + std::to_string(mean.size()) +
                                " features, got shape " + shape_str(Shape(x.shape().begin(), x.shape().end())));
  Array out = x;
  for (std::size_t r = 0; r < out.shape()[0]; ++r)
    for (std::size_t c = 0; c < out.shape()[1]; ++c) out(r, c) = (out(r, c) - mean[c]) / std[c];
  return out;
}

Json Standardizer::to_json() const { return {{"mean", mean}, {"std", std}}; }

}  // namespace xtgrad::examples
