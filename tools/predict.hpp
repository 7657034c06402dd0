// Predictions from a loaded model for rows of raw features, as `xtgrad predict` computes them.
// The weights file's metadata says what the output means ("task") and how to scale inputs and targets.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "xtgrad/io/weights.hpp"

namespace xtgrad {

/// What a model's output means, from metadata.task.
enum class Task {
  binary,      ///< one logit per row (or a probability, when the last layer is Sigmoid)
  multiclass,  ///< C ≥ 2 logits per row, through softmax (or Softmax's probabilities, taken as they are)
  regression,  ///< the predicted value(s) themselves, in standardised units when metadata.target_standardize is set
};

/// metadata.task: "binary" (also when the key is absent, as in files older than the key),
/// "multiclass" or "regression". Anything else throws std::invalid_argument naming it.
Task model_task(const Json& metadata);
const char* task_name(Task task);

/// metadata.classes for a multi-class model of C outputs: C label names, or "0".."C-1" when
/// the key is absent. Throws std::invalid_argument unless it is an array of C strings.
std::vector<std::string> class_names(const Json& metadata, std::size_t classes);

/// metadata.steps (T) of a sequence model, when the file records it (a positive integer);
/// throws std::invalid_argument for any other value.
std::optional<std::size_t> recorded_steps(const Json& metadata);

/// Checks that rows of `columns` numbers fit the model: its input width, or for a sequence model
/// T·input_size (T = `steps`, else metadata.steps, else any whole number of steps); for a model
/// taking token indices, one id per column (T of them for a sequence model). Returns what the
/// model takes; throws std::invalid_argument saying what was expected.
InputSpec check_row_width(const LoadedModel& model, std::size_t columns,
                          std::optional<std::size_t> steps = std::nullopt);

/// A bad value in one of the rows given to predict_rows() (a token id that is not a whole number
/// in the vocabulary): `row` counts from 0 in those rows, so a reader can name the line.
struct RowError : std::invalid_argument {
  RowError(std::size_t row, const std::string& message) : std::invalid_argument(message), row(row) {}
  std::size_t row;
};

struct Prediction {
  Task task = Task::binary;
  /// binary: [N] probabilities; multiclass: [N, C] class probabilities (rows sum to 1);
  /// regression: [N, K] values in the targets' original units.
  Array values;
};

/// rows [N, F] -> the model's prediction for its task. Applies metadata.standardize
/// ((x − mean)/std per feature) when present and runs the model without recording. Binary:
/// σ(output), or the output itself when the last layer is Sigmoid. Multiclass: softmax of the
/// [N, C] output (as is when the model outputs probabilities). Regression: the [N] or [N, K]
/// output, times metadata.target_standardize.std plus its mean when present. For a sequence
/// model each row holds T·input_size numbers, time step by time step; T is `steps` when given,
/// else metadata.steps when recorded, else any whole number of steps. A model taking token indices
/// (an Embedding first) takes one id per column, as is; an id outside [0, vocabulary) or not a
/// whole number throws RowError. A width that does not fit the model, an output that does not fit
/// the task, or bad metadata throws std::invalid_argument saying what was expected.
Prediction predict_rows(const LoadedModel& model, const Array& rows, std::optional<std::size_t> steps = std::nullopt);

/// predict_rows() for a binary model: probabilities [N]. Throws std::invalid_argument when
/// metadata.task names another task.
Array predict_proba(const LoadedModel& model, const Array& rows);

}  // namespace xtgrad
