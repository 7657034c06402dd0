// `xtgrad predict`: scores a CSV a chunk of rows at a time, so memory stays flat for any size.
#pragma once

#include <cstddef>
#include <string>

namespace xtgrad::cli {

struct PredictArgs {
  std::string model;
  std::string input;          ///< a CSV file, or "-" for standard input
  std::string output = "-";   ///< "-" for standard output, else written atomically
  std::string header = "auto";  ///< auto (a first line of numbers is data), yes, no
  bool labels_last = false;
  std::size_t chunk_rows = 4096;
};

/// Writes one probability per row ("%.9g") as each chunk is scored; with labels_last, reports
/// rows, accuracy, confusion counts, ROC-AUC and log-loss at the end (to stderr when the
/// probabilities go to stdout). Throws on bad input; an --output file is then left as it was.
int predict(const PredictArgs& args);

}  // namespace xtgrad::cli
