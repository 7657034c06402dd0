// Prediction for the command line and the examples: shape checks, standardisation, sigmoid.
#include "predict.hpp"

#include <cmath>
#include <stdexcept>

#include "../core/autograd.hpp"
#include "../core/ops.hpp"
#include "../layers/activation.hpp"
#include "../layers/linear.hpp"
#include "../layers/lstm.hpp"
#include "../layers/sequential.hpp"

namespace xtgrad {
namespace {

[[noreturn]] void reject(const std::string& why) { throw std::invalid_argument("predict: " + why); }

// (x − mean)/std, with one statistic per column (or per LSTM input feature, repeated per step).
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
  std::size_t rows = raw.shape()[0], columns = raw.shape()[1];
  Array features = raw;
  Tensor output;
  NoGrad no_grad;
  bool ends_in_sigmoid = false;
  if (auto* classifier = dynamic_cast<LSTMClassifier*>(model.module.get())) {
    std::size_t in = classifier->lstm->input_size;
    if (columns == 0 || columns % in != 0)
      reject("each row must hold T x " + std::to_string(in) + " numbers (time step by time step) for this LSTM, got " +
             std::to_string(columns));
    if (model.metadata.contains("standardize")) standardize(features, model.metadata["standardize"], in);
    Tensor x(std::move(features));
    output = (*classifier)(reshape(x, {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(columns / in),
                                       static_cast<std::int64_t>(in)}));
  } else if (auto* seq = dynamic_cast<Sequential*>(model.module.get())) {
    std::size_t expected = 0;
    for (const auto& child : seq->named_children())
      if (auto* linear = dynamic_cast<Linear*>(child.second.get())) {
        expected = linear->in_features;
        break;
      }
    if (expected != 0 && columns != expected)
      reject("the model takes " + std::to_string(expected) + " features per row, got " + std::to_string(columns));
    if (model.metadata.contains("standardize")) standardize(features, model.metadata["standardize"], columns);
    ends_in_sigmoid = dynamic_cast<Sigmoid*>((*seq)[seq->size() - 1].get()) != nullptr;
    output = (*seq)(Tensor(std::move(features)));
  } else {
    reject("can only predict with a Sequential or an LSTMClassifier, got " + model.module->type_name());
  }
  if (output.dim() != 2 || output.size(1) != 1)
    reject("the model gives " + shape_str(output.shape()) + " outputs; predict needs one per row");
  Array p = ends_in_sigmoid ? output.value() : sigmoid(output).value();
  p.reshape({rows});
  return p;
}

}  // namespace xtgrad
