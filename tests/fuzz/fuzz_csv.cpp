// libFuzzer target: the input is CSV text for parse_csv() under several options (and read_csv()
// once, and CsvReader a few rows at a time). A table that parses must be non-empty, rectangular
// and finite.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

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

// The table (or the error message) of reading `text` through CsvReader `chunk` rows at a time,
// as `xtgrad predict` does.
std::string read_in_chunks(const std::string& text, const CsvOptions& o, std::size_t chunk, CsvTable& table) {
  try {
    std::istringstream in(text);
    CsvReader reader(in, "fuzz.csv", o);
    std::vector<float> values;
    for (Array rows = reader.read(chunk); rows.shape()[0] > 0; rows = reader.read(chunk)) {
      FUZZ_CHECK(rows.shape()[0] <= chunk && rows.shape()[1] == reader.columns(), "a chunk of the wrong shape");
      values.insert(values.end(), rows.begin(), rows.end());
    }
    table.header = reader.header();
    table.values = Array::from_shape({values.size() / reader.columns(), reader.columns()});
    std::copy(values.begin(), values.end(), table.values.begin());
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

// Any chunk size reads what parse_csv reads, and fails with the same message on the same line.
void check_chunks(const std::string& text, const CsvOptions& o) {
  CsvTable whole;
  std::string whole_error = read_in_chunks(text, o, 1 << 16, whole);
  for (std::size_t chunk : {1, 3}) {
    CsvTable chunked;
    std::string error = read_in_chunks(text, o, chunk, chunked);
    FUZZ_CHECK(error == whole_error,
               "chunks of " + std::to_string(chunk) + " rows: '" + error + "' vs '" + whole_error + "'");
    if (error.empty())
      FUZZ_CHECK(same_table(chunked, whole), "chunks of " + std::to_string(chunk) + " rows read another table");
  }
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
  check_chunks(text, options(true, 0));
  CsvOptions header = options(true, 1);
  header.require_header = true;
  check_chunks(text, header);

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
