// Probabilities from a loaded model for rows of raw features, as `xtgrad predict` computes them.
#pragma once

#include "weights.hpp"

namespace xtgrad {

/// rows [N, F] -> probabilities [N]. Applies metadata.standardize ((x − mean)/std per feature)
/// when present, runs the model without recording, and returns σ(output), or the output itself
/// when the model's last layer is Sigmoid. For an LSTMClassifier each row holds T·input_size
/// numbers, time step by time step. A width that does not fit the model throws
/// std::invalid_argument saying what was expected.
Array predict_proba(const LoadedModel& model, const Array& rows);

}  // namespace xtgrad
