// Prediction for the command line and the examples: shape checks, standardisation, sigmoid.
// The model says what a sample looks like (Module::input_spec), so no layer type is named here.
#include "predict.hpp"

#include <cmath>
#include <stdexcept>

#include "../core/autograd.hpp"
#include "../core/ops.hpp"

namespace xtgrad {
namespace {

[[noreturn]] void reject(const std::string& why) { throw std::invalid_argument("predict: " + why); }

// (x − mean)/std, with one statistic per column (or per sequence input feature, repeated per step).
void standardize(Array& rows, const Json& stats, std::size_t period) {
  if (!stats.is_object() || !stats.contains("mean") || !stats.contains("std") || !stats["mean"].is_array() ||
      !stats["std"].is_array())
    reject("metadata.standardize must be {\"mean\": [...], \"std\": [...]}");
  const Json& mean = stats["mean"];
  const Json& std_dev = stats["std"];
  if (mean.size() != period || std_dev.size() != period)
    reject("metadata.standardize has " + std::to_string(mean.size()) + " means and " + std::to_string(std_dev.size()) +
           " standard deviations, but the model takes " + std::to_string(period) + " features");
  std::vector<float> m(period), s(period);
  for (std::size_t k = 0; k < period; ++k) {
    if (!mean[k].is_number() || !std_dev[k].is_number()) reject("metadata.standardize must hold numbers");
    m[k] = mean[k].get<float>();
    s[k] = std_dev[k].get<float>();
    if (!std::isfinite(m[k]) || !(s[k] > 0.0f) || !std::isfinite(s[k]))
      reject("metadata.standardize.std[" + std::to_string(k) + "] must be a positive finite number");
  }
  std::size_t columns = rows.shape()[1];
  for (std::size_t r = 0; r < rows.shape()[0]; ++r)
    for (std::size_t c = 0; c < columns; ++c) {
      float& v = rows(r, c);
      v = (v - m[c % period]) / s[c % period];
    }
}

}  // namespace

Array predict_proba(const LoadedModel& model, const Array& raw) {
  if (raw.dimension() != 2 || raw.shape()[0] == 0) reject("expected at least one row of features");
  const std::size_t rows = raw.shape()[0], columns = raw.shape()[1];
  std::optional<InputSpec> spec = model.module->input_spec();
  if (!spec) reject("the model (" + model.module->type_name() + ") does not say what input it takes");
  const std::size_t features = spec->features;
  if (spec->sequence) {
    if (columns == 0 || columns % features != 0)
      reject("each row must hold T x " + std::to_string(features) + " numbers (time step by time step) for this " +
             model.module->type_name() + ", got " + std::to_string(columns));
  } else if (columns != features) {
    reject("the model takes " + std::to_string(features) + " features per row, got " + std::to_string(columns));
  }
  Array values = raw;
  if (model.metadata.contains("standardize")) standardize(values, model.metadata["standardize"], features);
  Tensor input(std::move(values));
  if (spec->sequence)
    input = reshape(input, {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(columns / features),
                            static_cast<std::int64_t>(features)});
  NoGrad no_grad;
  Tensor output = (*model.module)(input);
  if (output.dim() != 2 || output.size(1) != 1)
    reject("the model gives " + shape_str(output.shape()) + " outputs; predict needs one per row");
  Array p = model.module->outputs_probabilities() ? output.value() : sigmoid(output).value();
  p.reshape({rows});
  return p;
}

}  // namespace xtgrad
