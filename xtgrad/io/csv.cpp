// Strict numeric CSV: one pass over the lines of a stream, every cell parsed with from_chars,
// every error located as file:line:column.
#include "xtgrad/io/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "xtgrad/core/detail/check.hpp"

namespace xtgrad {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view line, char delimiter) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  for (std::size_t at = line.find(delimiter); at != std::string_view::npos; at = line.find(delimiter, start)) {
    cells.push_back(trim(line.substr(start, at - start)));
    start = at + 1;
  }
  cells.push_back(trim(line.substr(start)));
  return cells;
}

bool parse_number(std::string_view cell, float& out) {
  if (!cell.empty() && cell.front() == '+') {
    cell.remove_prefix(1);
    if (cell.empty() || cell.front() == '+' || cell.front() == '-') return false;  // "+-1", "++1"
  }
  if (cell.empty()) return false;
  auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), out);
  if (error == std::errc::result_out_of_range) {
    // A number all the same (1e-50 underflows to 0, 1e50 overflows to infinity and is then
    // rejected as non-finite), not text: read it as a double and round.
    double wide = 0.0;
    auto [wide_end, wide_error] = std::from_chars(cell.data(), cell.data() + cell.size(), wide);
    out = static_cast<float>(wide);
    return wide_end == cell.data() + cell.size() &&
           (wide_error == std::errc() || wide_error == std::errc::result_out_of_range);
  }
  return error == std::errc() && end == cell.data() + cell.size();
}

bool is_blank(std::string_view line) { return trim(line).empty(); }

// A cell as an error message shows it: at most 40 bytes, control bytes escaped, so a hostile
// file can neither flood the terminal nor send it escape sequences.
std::string shown(std::string_view cell) {
  std::string out;
  for (std::size_t i = 0; i < cell.size() && i < 40; ++i) {
    auto c = static_cast<unsigned char>(cell[i]);
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
    out += c < 0x20 || c == 0x7f ? std::string(escaped) : std::string(1, cell[i]);
  }
  return cell.size() > 40 ? out + "..." : out;
}

}  // namespace

CsvReader::CsvReader(std::istream& in, std::string source, const CsvOptions& options)
    : in_(in), source_(std::move(source)), options_(options) {
  std::string line;
  std::size_t number = 0;
  bool has_line = true;
  for (std::size_t i = 0; i < options.skip_lines && has_line; ++i) has_line = fetch(line, number);
  has_line = has_line && fetch(line, number) && !(is_blank(line) && only_blank_lines_remain());
  XTGRAD_CHECK(has_line, source_.c_str(), "the file has no data (it is empty)");

  bool header = options.require_header;
  if (!header && options.allow_header) {
    float ignored;
    for (std::string_view cell : split(line, options.delimiter)) header = header || !parse_number(cell, ignored);
  }
  std::size_t header_line = number;
  if (header) {
    for (std::string_view cell : split(line, options.delimiter)) header_.emplace_back(cell);
    has_line = fetch(line, number) && !(is_blank(line) && only_blank_lines_remain());
    XTGRAD_CHECK(has_line, source_.c_str(), "there are no data rows after the header");
  }
  columns_ = split(line, options.delimiter).size();
  if (!header_.empty() && header_.size() != columns_) {
    // A first line shorter than the rows is more likely a preamble (the breast-cancer file's
    // "569,30,malignant,benign") than column names.
    std::string n = std::to_string(header_line);
    detail::fail(where(header_line, 1).c_str(), "the header names ", header_.size(), " columns but the rows have ",
                 columns_,
                 header_.size() < columns_
                     ? "; if line " + n + " is a preamble, not column names, skip it with CsvOptions::skip_lines = " + n
                     : "");
  }
  first_data_line_ = number;
  held_.emplace_front(std::move(line), number);  // the first row, for read()
}

Array CsvReader::read(std::size_t max_rows) {
  XTGRAD_CHECK(max_rows > 0, "CsvReader::read", "max_rows must be positive");
  values_.clear();  // keeps its capacity: one allocation for a whole file read in equal chunks
  std::size_t rows = 0, number = 0;
  while (rows < max_rows && fetch(line_, number)) {
    if (is_blank(line_)) {
      if (only_blank_lines_remain()) break;  // blank lines at the end are allowed
      detail::fail(where(number, 1).c_str(), "the line is empty");
    }
    parse_row(line_, number);
    ++rows;
  }
  Array out = Array::from_shape({rows, columns_});
  std::copy(values_.begin(), values_.end(), out.data());
  return out;
}

bool CsvReader::fetch(std::string& line, std::size_t& number) {
  if (!held_.empty()) {
    line = std::move(held_.front().first);
    number = held_.front().second;
    held_.pop_front();
    return true;
  }
  if (!std::getline(in_, line)) {
    if (in_.bad())
      throw std::runtime_error("cannot read '" + source_ + "': reading failed after line " +
                               std::to_string(lines_read_));
    return false;
  }
  number = ++lines_read_;
  if (number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);  // a UTF-8 byte-order mark
  return true;
}

// Called on a blank line: reads ahead to the next non-blank line, which is held for fetch().
// True when there is none, i.e. the blank line is one of the trailing ones.
bool CsvReader::only_blank_lines_remain() {
  std::string line;
  std::size_t number = 0;
  while (fetch(line, number))
    if (!is_blank(line)) {
      held_.emplace_front(std::move(line), number);
      return false;
    }
  return true;
}

std::string CsvReader::where(std::size_t line, std::size_t column) const {
  return source_ + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// One pass over the line, parsing straight into values_: this loop is most of `xtgrad
// predict`'s time. A wrong column count is reported before a bad cell, so a bad cell is only
// remembered until the line's cells have all been counted.
void CsvReader::parse_row(std::string_view line, std::size_t number) {
  char delimiter = options_.delimiter;
  std::size_t cells = 0, bad_column = 0;
  std::string_view bad_cell;
  bool bad_is_a_number = false;  // then it is infinite (or overflowed)
  for (std::size_t start = 0, end = 0; end < line.size(); start = end + 1) {
    ++cells;
    end = std::min(line.find(delimiter, start), line.size());
    if (bad_column == 0 && cells <= columns_) {
      std::string_view cell = trim(line.substr(start, end - start));
      float v;
      bool is_number = parse_number(cell, v);
      if (is_number && std::isfinite(v)) {
        values_.push_back(v);
      } else {
        bad_column = cells;
        bad_cell = cell;
        bad_is_a_number = is_number;
      }
    }
  }
  // A row too long is located at its first extra cell.
  XTGRAD_CHECK(cells == columns_, where(number, cells > columns_ ? columns_ + 1 : 1).c_str(), "expected ", columns_,
               " columns (as on line ", first_data_line_, "), got ", cells);
  XTGRAD_CHECK(bad_column == 0 || !bad_cell.empty(), where(number, bad_column).c_str(),
               "empty cell, expected a number");
  XTGRAD_CHECK(bad_column == 0, where(number, bad_column).c_str(), "'", shown(bad_cell),
               bad_is_a_number ? "' is not a finite number" : "' is not a number");
}

namespace {

CsvTable read_all(std::istream& in, const std::string& source, const CsvOptions& options) {
  CsvReader reader(in, source, options);
  std::vector<float> values;
  for (Array chunk = reader.read(65536); chunk.size() > 0; chunk = reader.read(65536))
    values.insert(values.end(), chunk.begin(), chunk.end());
  CsvTable table{Array::from_shape({values.size() / reader.columns(), reader.columns()}), reader.header()};
  std::copy(values.begin(), values.end(), table.values.data());
  return table;
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& source, const CsvOptions& options) {
  std::istringstream in(text);
  return read_all(in, source, options);
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "': no such file, or it is not readable");
  return read_all(in, path, options);
}

}  // namespace xtgrad
