// Strict numeric CSV: one pass over the lines, every cell parsed with from_chars, every error
// located as file:line:column.
#include "csv.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

std::string where(const std::string& source, std::size_t line, std::size_t column) {
  return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& source, const CsvOptions& options) {
  std::vector<std::string_view> lines;
  std::string_view rest(text);
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // a UTF-8 byte-order mark
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    lines.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();  // trailing blank lines
  if (lines.size() <= options.skip_lines) throw std::invalid_argument(source + ": the file has no data (it is empty)");

  CsvTable table;
  std::size_t first = options.skip_lines;
  if (options.allow_header) {
    float ignored;
    bool numeric = true;
    for (std::string_view cell : split(lines[first], options.delimiter)) numeric = numeric && parse_number(cell, ignored);
    if (!numeric) {
      for (std::string_view cell : split(lines[first], options.delimiter)) table.header.emplace_back(cell);
      ++first;
    }
  }
  if (first >= lines.size()) throw std::invalid_argument(source + ": there are no data rows after the header");

  std::size_t columns = split(lines[first], options.delimiter).size();
  if (!table.header.empty() && table.header.size() != columns)
    throw std::invalid_argument(where(source, first, 1) + "the header names " + std::to_string(table.header.size()) +
                                " columns but the rows have " + std::to_string(columns));
  std::size_t rows = lines.size() - first;
  std::vector<float> values;
  values.reserve(rows * columns);
  for (std::size_t i = first; i < lines.size(); ++i) {
    std::size_t line_number = i + 1;
    if (trim(lines[i]).empty()) throw std::invalid_argument(where(source, line_number, 1) + "the line is empty");
    std::vector<std::string_view> cells = split(lines[i], options.delimiter);
    if (cells.size() != columns)
      throw std::invalid_argument(where(source, line_number, 1) + "expected " + std::to_string(columns) +
                                  " columns (as on line " + std::to_string(first + 1) + "), got " +
                                  std::to_string(cells.size()));
    for (std::size_t c = 0; c < cells.size(); ++c) {
      float v;
      if (!parse_number(cells[c], v))
        throw std::invalid_argument(where(source, line_number, c + 1) + "'" + std::string(cells[c]) +
                                    "' is not a number");
      if (!std::isfinite(v))
        throw std::invalid_argument(where(source, line_number, c + 1) + "'" + std::string(cells[c]) +
                                    "' is not a finite number");
      values.push_back(v);
    }
  }
  table.values = Array::from_shape({rows, columns});
  std::copy(values.begin(), values.end(), table.values.data());
  return table;
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "': no such file, or it is not readable");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_csv(text.str(), path, options);
}

}  // namespace xtgrad
