// Metrics against hand-computed values, ROC-AUC with ties included.
#include "support/testing.hpp"

using namespace xtgrad;

TEST_CASE("metrics: accuracy, confusion matrix and log-loss by hand") {
  Array p{0.9f, 0.2f, 0.6f, 0.4f, 0.7f};
  Array y{1, 0, 0, 1, 1};
  ConfusionMatrix m = confusion_matrix(p, y);
  CHECK(m.true_positives == 2);   // 0.9, 0.7
  CHECK(m.false_positives == 1);  // 0.6
  CHECK(m.false_negatives == 1);  // 0.4
  CHECK(m.true_negatives == 1);   // 0.2
  CHECK(accuracy(p, y) == doctest::Approx(0.6));
  // −(ln 0.9 + ln 0.8)/2
  CHECK(log_loss(Array{0.9f, 0.2f}, Array{1, 0}) == doctest::Approx((0.1053605157 + 0.2231435513) / 2.0).epsilon(1e-7));
  CHECK(std::isfinite(log_loss(Array{0.0f, 1.0f}, Array{1, 0})));  // clipped, not infinite
}

TEST_CASE("metrics: the threshold compares in float, as NumPy and PyTorch compare float32 with 0.1") {
  // accuracy_score([0, 1, 0], np.float32([0.1, 0.2, 0.05]) > 0.1) -> 1.0 (in double 0.1f > 0.1)
  CHECK(accuracy(Array{0.1f, 0.2f, 0.05f}, Array{0, 1, 0}, 0.1) == 1.0);
  CHECK(confusion_matrix(Array{0.1f, 0.2f, 0.05f}, Array{0, 1, 0}, 0.1).false_positives == 0);
  // p equal to the threshold is negative: accuracy_score([0, 1], np.float32([0.5, 0.7]) > 0.5) -> 1.0
  CHECK(accuracy(Array{0.5f, 0.7f}, Array{0, 1}) == 1.0);
}

TEST_CASE("metrics: log-loss clips at float32's epsilon and renormalizes in float, as scikit-learn 1.2") {
  // log_loss([1, 0], np.float32([0.0, 1.0])) -> 15.942385152878742 (-log(2^-23), not -log(1e-15))
  CHECK(log_loss(Array{0.0f, 1.0f}, Array{1, 0}) == doctest::Approx(15.942385152878742).epsilon(1e-15));
  // log_loss([1, 0], np.float32([1e-20, 0.99999994])) -> 15.942385152878742
  CHECK(log_loss(Array{1e-20f, 0.99999994f}, Array{1, 0}) == doctest::Approx(15.942385152878742).epsilon(1e-15));
  // log_loss([0, 0, 1], np.float32([0.3, 0.1, 0.7])) -> 0.27290348802868064 (1 - p rounded to float)
  CHECK(log_loss(Array{0.3f, 0.1f, 0.7f}, Array{0, 0, 1}) == doctest::Approx(0.27290348802868064).epsilon(1e-15));
}

TEST_CASE("metrics: ROC-AUC counts tied pairs as one half") {
  // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered correctly.
  CHECK(roc_auc(Array{0.1f, 0.4f, 0.35f, 0.8f}, Array{0, 0, 1, 1}) == doctest::Approx(0.75));
  // Positives 0.5 and 0.9 against 0.1 and 0.5: 1 + 0.5 + 1 + 1 = 3.5 of 4.
  CHECK(roc_auc(Array{0.1f, 0.5f, 0.5f, 0.9f}, Array{0, 0, 1, 1}) == doctest::Approx(0.875));
  CHECK(roc_auc(Array{0.5f, 0.5f, 0.5f, 0.5f}, Array{0, 1, 0, 1}) == doctest::Approx(0.5));
  CHECK(roc_auc(Array{0.9f, 0.1f}, Array{0, 1}) == doctest::Approx(0.0));
}

TEST_CASE("metrics: mismatched sizes, non-binary labels and one-class ROC-AUC are errors") {
  CHECK_THROWS_AS(accuracy(Array{0.5f}, Array{1, 0}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(accuracy(Array{0.5f, 0.2f}, Array{1, 2}),
                       "confusion_matrix: labels must be 0 or 1, got 2 at index 1", std::invalid_argument);
  CHECK_THROWS_AS(roc_auc(Array{0.5f, 0.2f}, Array{1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(log_loss(Array{NAN}, Array{1}), std::invalid_argument);
}
