// Splitting rows into train and test sets with class proportions kept, taking rows by index,
// and standardisation fitted on training rows only.
#pragma once

#include <vector>

#include <xtgrad/io.hpp>

#include "datasets.hpp"

namespace xtgrad::examples {

/// Row indices of the two parts, each in ascending order.
struct Split {
  std::vector<std::size_t> train;
  std::vector<std::size_t> test;
};

/// Fisher–Yates shuffle driven by gen.
void shuffle(std::vector<std::size_t>& indices, Generator& gen);

/// Stratified split of rows by their class labels [N] or [N, 1] (0/1, or class indices 0, 1, 2, ...:
/// whole numbers, else std::invalid_argument): from each class, a seeded random
/// round(test_fraction · class size) rows go to test and the rest to train, so both parts keep
/// the classes' proportions. Every row lands in exactly one part. Needs 0 < test_fraction < 1.
Split stratified_split(const Array& labels, double test_fraction, Generator& gen);

/// The rows `indices` of a [N, ...] array, in that order.
Array take_rows(const Array& a, const std::vector<std::size_t>& indices);
Dataset take_rows(const Dataset& d, const std::vector<std::size_t>& indices);

/// Per-column (x − mean) / std, with scikit-learn's StandardScaler statistics (population
/// std; a constant column gets std 1). Stored in a weights file's metadata.standardize, where
/// `xtgrad predict` (io/predict.hpp) applies it to raw features.
struct Standardizer {
  std::vector<float> mean, std;

  static Standardizer fit(const Array& x);  ///< x [N, F]
  Array transform(const Array& x) const;    ///< x [N, F] -> standardised copy
  Json to_json() const;                     ///< {"mean": [...], "std": [...]}
};

}  // namespace xtgrad::examples
