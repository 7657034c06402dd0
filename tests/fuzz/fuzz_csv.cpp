// libFuzzer target: the input is CSV text for parse_csv() under several options (and read_csv()
// once). A table that parses must be non-empty, rectangular and finite.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "fuzz_support.hpp"

using namespace xtgrad;
using namespace xtgrad::fuzz;

namespace {

CsvOptions options(bool allow_header, std::size_t skip_lines, char delimiter = ',') {
  CsvOptions o;
  o.allow_header = allow_header;
  o.skip_lines = skip_lines;
  o.delimiter = delimiter;
  return o;
}

bool same_table(const CsvTable& a, const CsvTable& b) {
  return a.header == b.header && a.values.shape() == b.values.shape() &&
         std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)) == 0;
}

// parse_csv documents only std::invalid_argument; on success checks the table's invariants.
Outcome parse(const std::string& text, const CsvOptions& o, CsvTable& table) {
  Outcome outcome = run("parse_csv", [&] { table = parse_csv(text, "fuzz.csv", o); });
  FUZZ_CHECK(outcome != Outcome::runtime_error, "parse_csv threw std::runtime_error");
  if (outcome != Outcome::returned) return outcome;
  const Array& v = table.values;
  FUZZ_CHECK(v.dimension() == 2, "values have " + std::to_string(v.dimension()) + " dimensions");
  std::size_t rows = v.shape()[0], columns = v.shape()[1];
  FUZZ_CHECK(rows >= 1 && columns >= 1 && v.size() == rows * columns, "an empty or inconsistent table");
  // Bounds from the text alone: no more rows than lines, no more columns than delimiters + 1.
  std::size_t lines = std::count(text.begin(), text.end(), '\n') + 1;
  std::size_t delimiters = std::count(text.begin(), text.end(), o.delimiter);
  FUZZ_CHECK(rows + o.skip_lines + (table.header.empty() ? 0 : 1) <= lines, "more rows than lines");
  FUZZ_CHECK(columns <= delimiters + 1, "more columns than cells");
  FUZZ_CHECK(o.allow_header || table.header.empty(), "a header with allow_header = false");
  for (float x : v) FUZZ_CHECK(std::isfinite(x), "a non-finite value " + std::to_string(x));
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  for (std::size_t skip : {0, 1}) {
    CsvTable with_header, without_header;
    Outcome lenient = parse(text, options(true, skip), with_header);
    Outcome strict = parse(text, options(false, skip), without_header);
    // A file whose first line is numbers reads the same whether or not a header is allowed.
    if (strict == Outcome::returned)
      FUZZ_CHECK(lenient == Outcome::returned && same_table(with_header, without_header),
                 "allow_header changed a file with no header");
  }
  CsvTable semicolons;
  parse(text, options(true, 0, ';'), semicolons);

  // read_csv is parse_csv on the file's bytes.
  static InputFile file;
  const std::string& path = file.write(data, size);
  CsvTable from_file, from_text;
  Outcome read = run("read_csv", [&] { from_file = read_csv(path); });
  Outcome parsed = run("parse_csv", [&] { from_text = parse_csv(text, path); });
  FUZZ_CHECK(read == parsed, "read_csv and parse_csv disagree");
  if (read == Outcome::returned) FUZZ_CHECK(same_table(from_file, from_text), "read_csv and parse_csv disagree");
  return 0;
}
