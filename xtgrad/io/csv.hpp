// A strict numeric CSV reader: every cell must be a number; errors name the file, line and column.
#pragma once

#include <deque>
#include <istream>
#include <string>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

struct CsvOptions {
  /// Skip the first line when it is not all numbers (a header). When false, every line is data.
  bool allow_header = true;
  /// The first line is a header even when every cell of it parses as a number (a header of
  /// numbers such as `1,2,3`). Takes precedence over allow_header.
  bool require_header = false;
  /// Skip this many leading lines unconditionally (the breast-cancer file's metadata line).
  std::size_t skip_lines = 0;
  char delimiter = ',';
};

struct CsvTable {
  Array values;                     ///< [rows, columns]
  std::vector<std::string> header;  ///< column names when a header line was skipped
};

/// Reads a table of numbers from a stream a chunk of rows at a time, so a file of any size
/// is read in memory proportional to the chunk (and the longest line). Same rules and errors
/// as read_csv(); the constructor reads up to the first data row, so an empty file, or a
/// header without rows, throws there. Line numbers in errors count from the stream's start.
class CsvReader {
 public:
  /// `source` names the stream in errors ("data.csv", "<stdin>"). `in` must outlive the reader.
  CsvReader(std::istream& in, std::string source, const CsvOptions& options = {});

  /// The next rows, [n, columns()] with 1 <= n <= max_rows, or n = 0 once the input is done.
  Array read(std::size_t max_rows);

  const std::vector<std::string>& header() const { return header_; }
  std::size_t columns() const { return columns_; }
  /// The line number (1-based) of the first data row; data rows are consecutive lines.
  std::size_t first_data_line() const { return first_data_line_; }

 private:
  bool fetch(std::string& line, std::size_t& number);
  bool only_blank_lines_remain();
  std::string where(std::size_t line, std::size_t column) const;  // "<source>:<line>:<column>"
  void parse_row(std::string_view line, std::size_t number);

  std::istream& in_;
  std::string source_;
  CsvOptions options_;
  std::size_t lines_read_ = 0;
  // Lines read ahead (past blank lines, or the first row), with their numbers: fetch() returns
  // these before reading on.
  std::deque<std::pair<std::string, std::size_t>> held_;
  std::string line_;           // the line being parsed, reused so its buffer is allocated once
  std::vector<float> values_;  // the chunk being parsed, [rows * columns]
  std::vector<std::string> header_;
  std::size_t columns_ = 0;
  std::size_t first_data_line_ = 0;
};

/// Reads a rectangular table of numbers. Accepts LF or CRLF line endings, a trailing newline
/// and blank lines at the end. Rejects (std::invalid_argument, "<file>:<line>:<column>: ...")
/// an empty file, a file with a header and no rows, ragged rows, and non-numeric or
/// non-finite cells.
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});
CsvTable parse_csv(const std::string& text, const std::string& source, const CsvOptions& options = {});

}  // namespace xtgrad

XTGRAD_API_END
