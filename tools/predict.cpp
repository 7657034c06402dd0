// Prediction for the command line and the examples: shape checks, standardisation, and the
// output turned into what metadata.task says it is. The model says what a sample looks like
// (Module::input_spec), so no layer type is named here.
#include "predict.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "xtgrad/core/autograd.hpp"
#include "xtgrad/core/ops.hpp"

namespace xtgrad {
namespace {

[[noreturn]] void reject(const std::string& why) { throw std::invalid_argument("predict: " + why); }

// The longest sequence predict takes (T): far past any real one, and small enough that T times
// the features per step cannot overflow.
constexpr std::size_t kMaxSteps = std::size_t{1} << 30;

// A model whose last layer gives probabilities (Softmax over the classes) is taken as it is; one
// ending in Sigmoid gives a probability per class that need not sum to 1 with the others, which
// is not a class distribution: refused rather than reported with a wrong log-loss.
void check_rows_sum_to_one(const Array& p) {
  const std::size_t rows = p.shape()[0], classes = p.shape()[1];
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (std::size_t c = 0; c < classes; ++c) sum += p(r, c);
    if (!(std::abs(sum - 1.0) <= 1e-4 * static_cast<double>(classes)))
      reject("the model's last layer gives probabilities, but those of row " + std::to_string(r + 1) + " sum to " +
             std::to_string(sum) +
             ", not 1 (a Sigmoid?); a multiclass model ends in a Linear (logits) or in "
             "Softmax(dim=1)");
  }
}

// {"mean": m, "std": s} with `count` numbers in each (arrays; a bare number when count is 1),
// every std positive and finite. `key` names the metadata entry in errors.
void read_stats(const Json& stats, std::size_t count, const std::string& key, const std::string& what,
                std::vector<float>& m, std::vector<float>& s) {
  const std::string form = "metadata." + key + " must be {\"mean\": [...], \"std\": [...]}";
  if (!stats.is_object() || !stats.contains("mean") || !stats.contains("std")) reject(form);
  const Json& mean = stats["mean"];
  const Json& std_dev = stats["std"];
  if (mean.is_number() && std_dev.is_number() && count == 1) {
    m = {mean.get<float>()};
    s = {std_dev.get<float>()};
  } else {
    if (!mean.is_array() || !std_dev.is_array()) reject(form);
    if (mean.size() != count || std_dev.size() != count)
      reject("metadata." + key + " has " + std::to_string(mean.size()) + " means and " +
             std::to_string(std_dev.size()) + " standard deviations, but the model " + what);
    m.assign(count, 0.0f);
    s.assign(count, 0.0f);
    for (std::size_t k = 0; k < count; ++k) {
      if (!mean[k].is_number() || !std_dev[k].is_number()) reject("metadata." + key + " must hold numbers");
      m[k] = mean[k].get<float>();
      s[k] = std_dev[k].get<float>();
    }
  }
  for (std::size_t k = 0; k < count; ++k)
    if (!std::isfinite(m[k]) || !(s[k] > 0.0f) || !std::isfinite(s[k]))
      reject("metadata." + key + ".std[" + std::to_string(k) +
             "] must be a positive finite number and its mean finite");
}

// (x − mean)/std, with one statistic per column (or per sequence input feature, repeated per step).
void standardize(Array& rows, const Json& stats, std::size_t period) {
  std::vector<float> m, s;
  read_stats(stats, period, "standardize", "takes " + std::to_string(period) + " features", m, s);
  std::size_t columns = rows.shape()[1];
  for (std::size_t r = 0; r < rows.shape()[0]; ++r)
    for (std::size_t c = 0; c < columns; ++c) {
      float& v = rows(r, c);
      v = (v - m[c % period]) / s[c % period];
    }
}

// y·std + mean per output column: predictions back in the targets' units.
void unstandardize_targets(Array& values, const Json& stats) {
  std::size_t outputs = values.shape()[1];
  std::vector<float> m, s;
  read_stats(stats, outputs, "target_standardize", "gives " + std::to_string(outputs) + " outputs per row", m, s);
  for (std::size_t r = 0; r < values.shape()[0]; ++r)
    for (std::size_t k = 0; k < outputs; ++k) values(r, k) = values(r, k) * s[k] + m[k];
}

Tensor run_on_tokens(const LoadedModel& model, const Array& raw, const InputSpec& spec);
Tensor run_checked(const LoadedModel& model, const Tensor& input);

// Checks the rows' width against the model (T from `steps`), standardises, and runs the model.
Tensor run_model(const LoadedModel& model, const Array& raw, std::optional<std::size_t> steps) {
  if (raw.dimension() != 2 || raw.shape()[0] == 0) reject("expected at least one row of features");
  const std::size_t rows = raw.shape()[0], columns = raw.shape()[1];
  const InputSpec spec = check_row_width(model, columns, steps);
  if (spec.token_indices) return run_on_tokens(model, raw, spec);
  const std::size_t features = spec.features;
  Array values = raw;
  if (model.metadata.contains("standardize")) standardize(values, model.metadata["standardize"], features);
  Tensor input(std::move(values));
  if (spec.sequence)
    input = reshape(input, {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(columns / features),
                            static_cast<std::int64_t>(features)});
  return run_checked(model, input);
}

// The ids as they are (no standardisation: they name rows of the embedding), checked first so
// that a bad one names its row instead of stopping inside the Embedding.
Tensor run_on_tokens(const LoadedModel& model, const Array& raw, const InputSpec& spec) {
  const std::size_t rows = raw.shape()[0], columns = raw.shape()[1];
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < columns; ++c) {
      float id = raw(r, c);
      if (std::isfinite(id) && id == std::floor(id) && id >= 0.0f && id < static_cast<float>(spec.vocabulary)) continue;
      char shown[32];
      std::snprintf(shown, sizeof shown, "%.9g", static_cast<double>(id));
      throw RowError(r, "column " + std::to_string(c + 1) + ": token ids are whole numbers in [0, " +
                            std::to_string(spec.vocabulary) + ") for this " + model.module->type_name() + ", got " +
                            shown);
    }
  return run_checked(model, Tensor(raw));
}

// Runs the model without recording; its output must have one row per input row.
Tensor run_checked(const LoadedModel& model, const Tensor& input) {
  const auto rows = input.size(0);
  NoGrad no_grad;
  Tensor output = (*model.module)(input);
  bool one_per_row = output.dim() >= 1 && output.size(0) == rows;
  if (!one_per_row || output.dim() > 2)
    reject("the model gives " + shape_str(output.shape()) + " outputs for " + std::to_string(rows) +
           " rows; predict needs [rows] or [rows, outputs]");
  return output;
}

}  // namespace

InputSpec check_row_width(const LoadedModel& model, std::size_t columns, std::optional<std::size_t> steps) {
  std::optional<InputSpec> spec = model.module->input_spec();
  if (!spec) reject("the model (" + model.module->type_name() + ") does not say what input it takes");
  if (spec->sequence) {
    if (!steps) steps = recorded_steps(model.metadata);
    if (steps && (*steps == 0 || *steps > kMaxSteps))
      reject("T (--steps) must be between 1 and " + std::to_string(kMaxSteps) + ", got " + std::to_string(*steps));
  }
  if (spec->token_indices) {  // one id per column: T of them for a sequence model
    if (model.metadata.contains("standardize"))
      reject("metadata.standardize is for features, and this " + model.module->type_name() + " takes token indices");
    if (spec->sequence && steps && columns != *steps)
      reject("each row must hold T = " + std::to_string(*steps) + " token ids for this " + model.module->type_name() +
             ", got " + std::to_string(columns));
    if (columns == 0) reject("each row must hold at least one token id");
    return *spec;
  }
  const std::size_t features = spec->features;
  if (spec->sequence) {
    if (steps && columns != *steps * features)
      reject("each row must hold T x input_size = " + std::to_string(*steps) + " x " + std::to_string(features) +
             " = " + std::to_string(*steps * features) + " numbers (time step by time step) for this " +
             model.module->type_name() + ", got " + std::to_string(columns));
    if (columns == 0 || columns % features != 0)
      reject("each row must hold T x " + std::to_string(features) + " numbers (time step by time step) for this " +
             model.module->type_name() + ", got " + std::to_string(columns));
  } else if (columns != features) {
    reject("the model takes " + std::to_string(features) + " features per row, got " + std::to_string(columns));
  }
  return *spec;
}

Task model_task(const Json& metadata) {
  if (!metadata.is_object() || !metadata.contains("task")) return Task::binary;
  const Json& task = metadata["task"];
  if (task.is_string()) {
    const std::string& name = task.get_ref<const std::string&>();
    if (name == "binary") return Task::binary;
    if (name == "multiclass") return Task::multiclass;
    if (name == "regression") return Task::regression;
  }
  reject("metadata.task must be \"binary\", \"multiclass\" or \"regression\", got " + task.dump());
}

const char* task_name(Task task) {
  switch (task) {
    case Task::multiclass: return "multiclass";
    case Task::regression: return "regression";
    default: return "binary";
  }
}

std::vector<std::string> class_names(const Json& metadata, std::size_t classes) {
  std::vector<std::string> names;
  if (!metadata.is_object() || !metadata.contains("classes")) {
    for (std::size_t c = 0; c < classes; ++c) names.push_back(std::to_string(c));
    return names;
  }
  const Json& listed = metadata["classes"];
  if (!listed.is_array() || listed.size() != classes)
    reject("metadata.classes must list " + std::to_string(classes) + " class names, one per model output, got " +
           (listed.is_array() ? std::to_string(listed.size()) + " entries" : listed.type_name()));
  for (const Json& name : listed) {
    if (!name.is_string()) reject("metadata.classes must hold strings, got " + name.dump());
    names.push_back(name.get<std::string>());
  }
  return names;
}

std::optional<std::size_t> recorded_steps(const Json& metadata) {
  if (!metadata.is_object() || !metadata.contains("steps")) return std::nullopt;
  const Json& steps = metadata["steps"];
  if (!steps.is_number_unsigned() || steps.get<std::uint64_t>() == 0 || steps.get<std::uint64_t>() > kMaxSteps)
    reject("metadata.steps (the sequence length T) must be a positive integer, got " + steps.dump());
  return static_cast<std::size_t>(steps.get<std::uint64_t>());
}

Prediction predict_rows(const LoadedModel& model, const Array& raw, std::optional<std::size_t> steps) {
  Prediction result;
  result.task = model_task(model.metadata);
  Tensor output = run_model(model, raw, steps);
  const std::size_t rows = raw.shape()[0];
  const std::size_t width = output.dim() == 2 ? static_cast<std::size_t>(output.size(1)) : 1;
  switch (result.task) {
    case Task::binary: {
      if (width != 1)
        reject("the model gives " + shape_str(output.shape()) +
               " outputs, but a binary model (metadata.task absent "
               "or \"binary\") gives one per row; a file for " +
               std::to_string(width) + " classes says \"task\": \"multiclass\" in its metadata");
      result.values = model.module->outputs_probabilities() ? output.value() : sigmoid(output).value();
      result.values.reshape({rows});
      break;
    }
    case Task::multiclass: {
      if (output.dim() != 2 || width < 2)
        reject("the model gives " + shape_str(output.shape()) + " outputs, but a multiclass model gives [rows, C] " +
               "scores with C >= 2 classes");
      class_names(model.metadata, width);  // a bad metadata.classes is refused before any output
      if (model.module->outputs_probabilities()) {
        result.values = output.value();
        check_rows_sum_to_one(result.values);
      } else {
        result.values = softmax(output, 1).value();
      }
      break;
    }
    case Task::regression: {
      result.values = output.value();
      result.values.reshape({rows, width});
      if (model.metadata.contains("target_standardize"))
        unstandardize_targets(result.values, model.metadata["target_standardize"]);
      break;
    }
  }
  return result;
}

Array predict_proba(const LoadedModel& model, const Array& rows) {
  Task task = model_task(model.metadata);
  if (task != Task::binary)
    reject(std::string("predict_proba is for binary models, and this file's metadata.task is \"") + task_name(task) +
           "\": use predict_rows()");
  return predict_rows(model, rows).values;
}

}  // namespace xtgrad
