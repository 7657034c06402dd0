// libFuzzer target: the input is a weights file rebuilt with load_model(). A model that loads
// must predict on rows of its width, reject other widths, and survive a save/load round trip.
#include <cmath>
#include <cstring>

#include "fuzz_support.hpp"
#include "predict.hpp"

using namespace xtgrad;
using namespace xtgrad::fuzz;

namespace {

// [rows, columns] of small deterministic values.
Array features(std::size_t rows, std::size_t columns) {
  Array x = Array::from_shape({rows, columns});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(static_cast<int>(i * 7 % 11) - 5) / 3.0f;
  return x;
}

// The row widths predict_proba must accept (unless the metadata or the output width is bad)
// and the widths it must reject with std::invalid_argument.
// False when the model does not say what input it takes (a Sequential of activations only):
// predict_proba must then refuse any rows.
bool widths(const Module& module, std::vector<std::size_t>& right, std::vector<std::size_t>& wrong) {
  wrong.push_back(0);
  std::optional<InputSpec> spec = module.input_spec();
  if (!spec) return false;
  std::size_t in = spec->features;
  if (spec->sequence) {
    right = {in, 3 * in};
    if (in > 1) wrong.push_back(in + 1);
  } else {
    right = {in};
    wrong.push_back(in + 1);
  }
  return true;
}

// predict_rows serves every metadata.task: when it returns, the values have the task's shape
// ([2] or [2, K]), and probabilities lie in [0, 1] (NaN allowed, as for predict_proba).
void check_predict_rows(const LoadedModel& model, std::size_t columns) {
  Prediction p;
  Outcome outcome = run("predict_rows", [&] { p = predict_rows(model, features(2, columns)); });
  FUZZ_CHECK(outcome != Outcome::runtime_error,
             "predict_rows threw std::runtime_error at width " + std::to_string(columns));
  if (outcome != Outcome::returned) return;  // bad task, classes, standardize or target_standardize; a bad width
  FUZZ_CHECK(p.task == model_task(model.metadata), "predict_rows reported another task than the metadata's");
  FUZZ_CHECK(p.values.dimension() >= 1 && p.values.shape()[0] == 2, "predict_rows gave no row per input row");
  if (p.task == Task::binary) FUZZ_CHECK(p.values.dimension() == 1, "binary predictions are not [rows]");
  else FUZZ_CHECK(p.values.dimension() == 2, "multiclass or regression predictions are not [rows, K]");
  if (p.task == Task::regression) return;
  if (p.task == Task::multiclass) {
    FUZZ_CHECK(p.values.shape()[1] >= 2, "multiclass predictions with fewer than 2 classes");
    FUZZ_CHECK(class_names(model.metadata, p.values.shape()[1]).size() == p.values.shape()[1], "class names");
  }
  for (float v : p.values) FUZZ_CHECK(std::isnan(v) || (v >= 0.0f && v <= 1.0f), "probability " + std::to_string(v));
}

void check_predict(const LoadedModel& model) {
  std::vector<std::size_t> right, wrong;
  if (!widths(*model.module, right, wrong)) {
    Outcome outcome = run("predict_proba", [&] { predict_proba(model, features(2, 3)); });
    FUZZ_CHECK(outcome == Outcome::invalid_argument, "predict_proba ran a model that does not say its input");
    return;
  }
  for (std::size_t columns : right) {
    Array p;
    Outcome outcome = run("predict_proba", [&] { p = predict_proba(model, features(2, columns)); });
    FUZZ_CHECK(outcome != Outcome::runtime_error,
               "predict_proba threw std::runtime_error at width " + std::to_string(columns));
    if (outcome != Outcome::returned) continue;  // a bad metadata.standardize, or more than one output
    FUZZ_CHECK(p.dimension() == 1 && p.shape()[0] == 2,
               "predict_proba gave " + shape_str(Shape(p.shape().begin(), p.shape().end())));
    for (float v : p) FUZZ_CHECK(std::isnan(v) || (v >= 0.0f && v <= 1.0f), "probability " + std::to_string(v));
  }
  for (std::size_t columns : right) check_predict_rows(model, columns);
  for (std::size_t columns : wrong) {
    Outcome outcome = run("predict_proba", [&] { predict_proba(model, features(2, columns)); });
    FUZZ_CHECK(outcome == Outcome::invalid_argument, "predict_proba did not reject width " + std::to_string(columns));
  }
  Outcome no_rows = run("predict_proba", [&] { predict_proba(model, features(0, right.front())); });
  FUZZ_CHECK(no_rows == Outcome::invalid_argument, "predict_proba did not reject zero rows");
}

// weights_to_json() of the loaded model must load back with bit-identical parameters.
void check_round_trip(const LoadedModel& model) {
  std::string text = weights_to_json(*model.module, model.metadata).dump();
  LoadedModel again;
  Outcome outcome = run("load_model_json", [&] { again = load_model_json(Json::parse(text), "round trip"); });
  FUZZ_CHECK(outcome == Outcome::returned, "the saved model does not load back");
  auto a = model.module->named_parameters(), b = again.module->named_parameters();
  FUZZ_CHECK(a.size() == b.size(), "the round trip changed the number of parameters");
  for (std::size_t k = 0; k < a.size(); ++k) {
    const Array& x = a[k].second.value();
    const Array& y = b[k].second.value();
    FUZZ_CHECK(a[k].first == b[k].first && x.shape() == y.shape() &&
                   std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0,
               "the round trip changed '" + a[k].first + "'");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InputFile file;
  const std::string& path = file.write(data, size);
  LoadedModel model;
  Outcome outcome = run("load_model", [&] { model = load_model(path); });
  if (outcome != Outcome::returned) return 0;
  FUZZ_CHECK(model.module != nullptr, "load_model returned no module");
  FUZZ_CHECK(model.metadata.is_object(), "load_model returned metadata that is not an object");
  check_predict(model);
  check_round_trip(model);
  return 0;
}
