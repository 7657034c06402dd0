// `xtgrad predict`: scores a CSV a chunk of rows at a time, so memory stays flat for any size.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <xtgrad/io/weights.hpp>

namespace xtgrad::cli {

struct PredictArgs {
  std::string model;
  std::string input;            ///< a CSV file, or "-" for standard input
  std::string output = "-";     ///< "-" for standard output, else written atomically
  std::string header = "auto";  ///< auto (a first line of numbers is data), yes, no
  bool labels_last = false;
  std::optional<std::size_t> steps;  ///< T for a sequence model, when its file records no metadata.steps
  std::size_t chunk_rows = 4096;
};

/// Writes each row's prediction ("%.9g") as each chunk is scored, as the file's metadata.task
/// says: binary, one probability a line (no header); multiclass, a header "p_<class>,...,class"
/// then the C class probabilities and the predicted class index; regression, a header
/// "prediction" then the value(s). With labels_last, reports the task's metrics at the end
/// (predict_metrics.hpp; to stderr when the predictions go to stdout). Throws on bad input; an
/// --output file is then left as it was.
int predict(const PredictArgs& args);

/// load_model for the command line, which knows only the built-in module types: for a file
/// naming another type, the library's advice (register it before loading) becomes what a user
/// of the command can do (load it from their own program).
LoadedModel load_builtin_model(const std::string& path);

}  // namespace xtgrad::cli
