// The CSV reader: what it accepts, and errors that name the file, line and column.
#include <vector>

#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "xtgrad/io.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

TEST_CASE("csv: numbers with or without a header, CRLF, trailing newline and a byte-order mark") {
  CsvTable t = parse_csv("a,b,c\n1,2,3\n4.5,-6,7e2\n", "t.csv");
  CHECK(t.header == std::vector<std::string>{"a", "b", "c"});
  CHECK(t.values == Array{{1, 2, 3}, {4.5f, -6, 700}});
  CHECK(parse_csv("1,2\r\n3,4\r\n", "t.csv").values == Array{{1, 2}, {3, 4}});
  CHECK(parse_csv("1,2\n3,4", "t.csv").values == Array{{1, 2}, {3, 4}});
  CHECK(parse_csv("1,2\n3,4\n\n\n", "t.csv").values.shape()[0] == 2);
  CHECK(parse_csv("\xEF\xBB\xBFx,y\n1, 2\n", "t.csv").values == Array{{1, 2}});
  CsvOptions skip;
  skip.skip_lines = 1;
  CHECK(parse_csv("569,30,malignant,benign\n1,2,3\n", "t.csv", skip).values == Array{{1, 2, 3}});
  CsvOptions no_header;
  no_header.allow_header = false;
  CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2\n", "t.csv", no_header), "t.csv:1:1: 'a' is not a number",
                       std::invalid_argument);
}

TEST_CASE("csv: bad files name the file, line and column") {
  struct Bad {
    const char* text;
    const char* message;
  };
  std::vector<Bad> cases{
      {"", "b.csv: the file has no data (it is empty)"},
      {"\n\n", "b.csv: the file has no data (it is empty)"},
      {"a,b\n", "b.csv: there are no data rows after the header"},
      {"1,2\n3,4,5\n", "b.csv:2:3: expected 2 columns (as on line 1), got 3"},  // at the first extra cell
      {"1,2,3\n4,5,6\n7,8\n", "b.csv:3:1: expected 3 columns (as on line 1), got 2"},
      {"x,y\n1,2\n3,abc\n", "b.csv:3:2: 'abc' is not a number"},
      {"1,2\n3,\n", "b.csv:2:2: empty cell, expected a number"},
      {"1,2,3\n4, ,6\n", "b.csv:2:2: empty cell, expected a number"},
      {"1,2\n3,inf\n", "b.csv:2:2: 'inf' is not a finite number"},
      {"1,2\n\n3,4\n", "b.csv:2:1: the line is empty"},
  };
  for (const Bad& c : cases) {
    CAPTURE(c.text);
    CHECK_THROWS_WITH_AS(parse_csv(c.text, "b.csv"), c.message, std::invalid_argument);
  }
  CHECK_THROWS_AS(read_csv("/nonexistent/file.csv"), std::runtime_error);
}

TEST_CASE("csv: the shipped breast-cancer file read with default options points at skip_lines") {
  std::string path = std::string(XTGRAD_SOURCE_DIR) + "/data/breast_cancer_wisconsin.csv";
  CHECK_THROWS_WITH_AS(read_csv(path),
                       (path + ":1:1: the header names 4 columns but the rows have 31; if line 1 is a "
                               "preamble, not column names, skip it with CsvOptions::skip_lines = 1")
                           .c_str(),
                       std::invalid_argument);
  CsvOptions skip;
  skip.skip_lines = 1;
  CHECK(read_csv(path, skip).values.shape() == Shape{569, 31});
}

TEST_CASE("csv: cases the fuzzer's review found") {
  // Underflowing numbers are numbers (not a header line to drop): 1e-50 reads as 0.
  CsvTable t = parse_csv("1e-50,2\n3,4\n", "u.csv");
  CHECK(t.header.empty());
  CHECK(t.values == Array{{0, 2}, {3, 4}});
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n1e50,4\n", "o.csv"), "o.csv:2:1: '1e50' is not a finite number",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("a\n1,2,3\n", "h.csv"),
                       "h.csv:1:1: the header names 1 columns but the rows have 3; if line 1 is a preamble, not column "
                       "names, skip it with CsvOptions::skip_lines = 1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("a,b,c\n1,2\n", "h.csv"), "h.csv:1:1: the header names 3 columns but the rows have 2",
                       std::invalid_argument);  // longer than the rows: no preamble hint
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n1,+-1\n", "s.csv"), "s.csv:2:2: '+-1' is not a number", std::invalid_argument);
}

namespace {

// Reads `text` through CsvReader `chunk` rows at a time, as `xtgrad predict` does.
CsvTable read_in_chunks(const std::string& text, std::size_t chunk, const CsvOptions& options = {}) {
  std::istringstream in(text);
  CsvReader reader(in, "s.csv", options);
  std::vector<float> values;
  for (Array rows = reader.read(chunk); rows.shape()[0] > 0; rows = reader.read(chunk)) {
    CHECK(rows.shape()[0] <= chunk);
    CHECK(rows.shape()[1] == reader.columns());
    values.insert(values.end(), rows.begin(), rows.end());
  }
  CsvTable table{Array::from_shape({values.size() / reader.columns(), reader.columns()}), reader.header()};
  std::copy(values.begin(), values.end(), table.values.begin());
  return table;
}

std::string numbered_rows(std::size_t rows) {
  std::string text = "a,b\n";
  for (std::size_t r = 0; r < rows; ++r) text += std::to_string(r) + "," + std::to_string(r % 7) + ".5\n";
  return text;
}

}  // namespace

TEST_CASE("csv reader: any chunk size reads the same table as parse_csv") {
  std::string text = numbered_rows(10) + "\n\n";
  CsvTable whole = parse_csv(text, "s.csv");
  REQUIRE(whole.values.shape()[0] == 10);
  for (std::size_t chunk : {1, 3, 10, 11, 4096}) {
    CAPTURE(chunk);
    CsvTable t = read_in_chunks(text, chunk);
    CHECK(t.header == whole.header);
    CHECK(t.values == whole.values);
  }
  std::istringstream in(text);
  CsvReader reader(in, "s.csv");
  CHECK(reader.first_data_line() == 2);
  CHECK(reader.read(4).shape()[0] == 4);
  CHECK(reader.read(100).shape()[0] == 6);
  CHECK(reader.read(100).shape()[0] == 0);  // and stays done
  CHECK(reader.read(100).shape()[0] == 0);
  CHECK_THROWS_AS(reader.read(0), std::invalid_argument);
}

TEST_CASE("csv reader: errors keep their exact line numbers in any chunk") {
  std::string text = numbered_rows(5000);
  std::string ragged = text + "1,2,3\n";   // line 5002
  std::string blank = text + "\n\n7,8\n";  // the first blank line is 5002
  std::string word = text + "1,two\n";
  for (std::size_t chunk : {1, 7, 4096}) {
    CAPTURE(chunk);
    CHECK_THROWS_WITH_AS(read_in_chunks(ragged, chunk), "s.csv:5002:3: expected 2 columns (as on line 2), got 3",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(read_in_chunks(blank, chunk), "s.csv:5002:1: the line is empty", std::invalid_argument);
    CHECK_THROWS_WITH_AS(read_in_chunks(word, chunk), "s.csv:5002:2: 'two' is not a number", std::invalid_argument);
  }
}

TEST_CASE("csv: a header of numbers, when the caller says there is a header") {
  CsvOptions header;
  header.require_header = true;
  CsvTable t = parse_csv("1,2,3\n4,5,6\n", "h.csv", header);
  CHECK(t.header == std::vector<std::string>{"1", "2", "3"});
  CHECK(t.values == Array{{4, 5, 6}});
  // Without it, the same first line is data (the rule `--header auto` documents).
  CHECK(parse_csv("1,2,3\n4,5,6\n", "h.csv").values.shape()[0] == 2);
  CHECK_THROWS_WITH_AS(parse_csv("1,2,3\n", "h.csv", header), "h.csv: there are no data rows after the header",
                       std::invalid_argument);
}

TEST_CASE("csv: an error shows a hostile cell short and with control bytes escaped") {
  std::string long_cell(100, 'z');
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n3," + long_cell + "\n", "c.csv"),
                       ("c.csv:2:2: '" + std::string(40, 'z') + "...' is not a number").c_str(), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n3,\x1b[2J\n", "c.csv"), "c.csv:2:2: '\\x1b[2J' is not a number",
                       std::invalid_argument);
}
