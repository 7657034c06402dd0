// Multi-class and regression metrics against values worked out by hand (scikit-learn's
// definitions: classification_report, mean_squared_error, r2_score).
#include "support/testing.hpp"

using namespace xtgrad;

TEST_CASE("multiclass metrics: confusion matrix, accuracy, per-class and averaged precision/recall/F1") {
  // Labels 0 0 1 1 1 2; predictions (argmax of the scores) 0 1 1 1 2 2.
  Array scores = {{5, 1, 0}, {0, 2, 1}, {0, 3, -1}, {1, 9, 2}, {0, 0, 4}, {-1, -2, 0}};
  Array labels = {0, 0, 1, 1, 1, 2};
  Array cm = multiclass_confusion_matrix(scores, labels);
  CHECK(cm == Array{{1, 1, 0}, {0, 2, 1}, {0, 0, 1}});
  CHECK(multiclass_accuracy(scores, labels) == doctest::Approx(4.0 / 6.0));
  ClassificationReport r = classification_report(cm);
  // class 0: P 1/1, R 1/2, F1 2/3; class 1: P 2/3, R 2/3, F1 2/3; class 2: P 1/2, R 1, F1 2/3
  CHECK(r.precision[0] == 1.0);
  CHECK(r.recall[0] == 0.5);
  CHECK(r.precision[2] == 0.5);
  for (double f1 : r.f1) CHECK(f1 == doctest::Approx(2.0 / 3.0));
  CHECK(r.support == std::vector<std::size_t>{2, 3, 1});
  CHECK(r.macro_precision == doctest::Approx((1.0 + 2.0 / 3.0 + 0.5) / 3.0));
  CHECK(r.macro_recall == doctest::Approx((0.5 + 2.0 / 3.0 + 1.0) / 3.0));
  CHECK(r.weighted_precision == doctest::Approx((2 * 1.0 + 3 * 2.0 / 3.0 + 1 * 0.5) / 6.0));
  CHECK(r.weighted_recall == doctest::Approx(4.0 / 6.0));  // weighted recall is accuracy
  CHECK(r.weighted_f1 == doctest::Approx(2.0 / 3.0));
}

TEST_CASE(
    "multiclass metrics: a class never predicted scores 0 (zero_division) and absent classes leave the macro mean") {
  Array scores = {{1, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}};
  Array labels = {0, 1, 1};
  ClassificationReport r = classification_report(multiclass_confusion_matrix(scores, labels));
  CHECK(r.precision[1] == 1.0);
  CHECK(r.recall[1] == 0.5);
  CHECK(r.precision[2] == 0.0);
  CHECK(r.f1[3] == 0.0);
  CHECK(r.macro_recall == doctest::Approx((1.0 + 0.5) / 2.0));  // classes 2 and 3 never occur
  CHECK_THROWS_WITH_AS(multiclass_accuracy(scores, Array{0, 4, 1}),
                       "multiclass_accuracy: label 4 is out of range for a dimension of size 4", std::invalid_argument);
  CHECK_THROWS_AS(multiclass_accuracy(scores, Array{0, 1}), std::invalid_argument);
}

TEST_CASE("regression metrics: MSE, MAE and R² in closed form") {
  Array y = {3, -0.5, 2, 7};
  Array p = {2.5, 0.0, 2, 8};
  CHECK(mean_squared_error(p, y) == doctest::Approx(0.375));  // scikit-learn's docstring example
  CHECK(mean_absolute_error(p, y) == doctest::Approx(0.5));
  CHECK(r2_score(p, y) == doctest::Approx(0.9486081370449679));
  CHECK(r2_score(y, y) == 1.0);
  CHECK(r2_score(Array{1, 2}, Array{2, 2}) == 0.0);  // constant target, imperfect prediction
  CHECK_THROWS_AS(r2_score(Array{1}, Array{1, 2}), std::invalid_argument);
}

TEST_CASE("multiclass metrics: confusion counts stay exact past 2^24 rows") {
  // 2^24 + 2 rows of one class: a float count stopped at 16777216; 16777218 is a float.
  std::size_t rows = (std::size_t{1} << 24) + 2;
  Array counts = multiclass_confusion_matrix(xt::zeros<float>(Shape{rows, 1}), xt::zeros<float>(Shape{rows}));
  CHECK(counts(0, 0) == 16777218.0f);
}

TEST_CASE("multiclass metrics: a NaN score or no classes is an error, not a silent class 0") {
  // np.argmax and torch.argmax would pick the NaN's column; xtgrad's first-largest loop would not.
  CHECK_THROWS_WITH_AS(multiclass_accuracy(Array{{1, 2}, {5, NAN}}, Array{1, 1}),
                       "multiclass_accuracy: score (1, 1) is NaN", std::invalid_argument);
  CHECK_THROWS_WITH_AS(multiclass_confusion_matrix(Array{{NAN, 5}}, Array{1}),
                       "multiclass_confusion_matrix: score (0, 0) is NaN", std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      multiclass_accuracy(Array(xt::zeros<float>(Shape{2, 0})), Array{0, 0}),
      "multiclass_accuracy: expected scores [N, C] and N labels (N, C > 0), got scores [2, 0] and labels [2]",
      std::invalid_argument);
}

TEST_CASE("regression metrics: [N, outputs] as scikit-learn, R² per output then averaged") {
  Array p = {{1, 10}, {2, 25}, {4, 31}};
  Array y = {{1.5, 12}, {2, 20}, {3, 30}};
  // r2_score([[1.5, 12], [2, 20], [3, 30]], [[1, 10], [2, 25], [4, 31]]) -> 0.3720725995316158
  CHECK(r2_score(p, y) == doctest::Approx(0.3720725995316158).epsilon(1e-14));
  // r2_score([[1.5, 12], [2, 12], [3, 12]], [[1, 10], [2, 25], [4, 31]]) -> -0.03571428571428581:
  // the constant second output scores 0, not a share of one pooled spread
  CHECK(r2_score(p, Array{{1.5, 12}, {2, 12}, {3, 12}}) == doctest::Approx(-0.03571428571428581).epsilon(1e-14));
  // mean_squared_error(y, p) -> 5.208333333333333, mean_absolute_error(y, p) -> 1.5833333333333333
  CHECK(mean_squared_error(p, y) == doctest::Approx(5.208333333333333).epsilon(1e-15));
  CHECK(mean_absolute_error(p, y) == doctest::Approx(1.5833333333333333).epsilon(1e-15));
  // A [N] beside [N, 1] is one output: mean_squared_error([[1.5], [2], [3]], [1, 2, 4]) -> 0.4166666666666667,
  // r2_score([[1.5], [2], [3]], [1, 2, 4]) -> -0.07142857142857162
  Array column = {1.5, 2, 3};
  column.reshape({3, 1});
  CHECK(mean_squared_error(Array{1, 2, 4}, column) == doctest::Approx(0.4166666666666667));
  CHECK(r2_score(Array{1, 2, 4}, column) == doctest::Approx(-0.07142857142857162).epsilon(1e-14));
}

TEST_CASE("regression metrics: shapes that only share a size, or R² of one row, are errors") {
  // scikit-learn: "Found input variables with inconsistent numbers of samples: [2, 3]"
  CHECK_THROWS_WITH_AS(mean_squared_error(Array{{1, 10}, {2, 25}, {4, 31}}, Array{{1.5, 12, 2}, {20, 3, 30}}),
                       "mean_squared_error: expected predictions and targets of one shape (a [N] may stand for [N, "
                       "1]) and at least one value, got [3, 2] and [2, 3]",
                       std::invalid_argument);
  CHECK_THROWS_AS(mean_absolute_error(Array{1, 2, 4}, Array{{1.5, 2, 3}}), std::invalid_argument);
  // r2_score([2.0], [2.0]) -> nan with "R^2 score is not well-defined with less than two samples."
  CHECK_THROWS_WITH_AS(r2_score(Array{2}, Array{2}), "r2_score: needs at least two samples, got 1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(r2_score(Array{{{1, 2}}}, Array{{{1, 2}}}),
                       "r2_score: expected targets [N] or [N, outputs], got [1, 1, 2]", std::invalid_argument);
}
