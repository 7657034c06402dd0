// A strict numeric CSV reader: every cell must be a number; errors name the file, line and column.
#pragma once

#include <string>
#include <vector>

#include "../core/tensor.hpp"

namespace xtgrad {

struct CsvOptions {
  /// Skip the first line when it is not all numbers (a header). When false, every line is data.
  bool allow_header = true;
  /// Skip this many leading lines unconditionally (the breast-cancer file's metadata line).
  std::size_t skip_lines = 0;
  char delimiter = ',';
};

struct CsvTable {
  Array values;                      ///< [rows, columns]
  std::vector<std::string> header;   ///< column names when a header line was skipped
};

/// Reads a rectangular table of numbers. Accepts LF or CRLF line endings, a trailing newline
/// and blank lines at the end. Rejects (std::invalid_argument, "<file>:<line>:<column>: ...")
/// an empty file, a file with a header and no rows, ragged rows, and non-numeric or
/// non-finite cells.
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});
CsvTable parse_csv(const std::string& text, const std::string& source, const CsvOptions& options = {});

}  // namespace xtgrad
