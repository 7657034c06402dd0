// The CSV reader: what it accepts, and errors that name the file, line and column.
#include "support/temp_dir.hpp"
#include "support/testing.hpp"

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
  CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2\n", "t.csv", no_header), "t.csv:1:1: 'a' is not a number", std::invalid_argument);
}

TEST_CASE("csv: bad files name the file, line and column") {
  CHECK_THROWS_WITH_AS(parse_csv("", "e.csv"), "e.csv: the file has no data (it is empty)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("\n\n", "e.csv"), "e.csv: the file has no data (it is empty)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("a,b\n", "h.csv"), "h.csv: there are no data rows after the header", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n3,4,5\n", "r.csv"), "r.csv:2:1: expected 2 columns (as on line 1), got 3",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("x,y\n1,2\n3,abc\n", "n.csv"), "n.csv:3:2: 'abc' is not a number", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n3,\n", "n.csv"), "n.csv:2:2: '' is not a number", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n3,inf\n", "n.csv"), "n.csv:2:2: 'inf' is not a finite number", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n\n3,4\n", "b.csv"), "b.csv:2:1: the line is empty", std::invalid_argument);
  CHECK_THROWS_AS(read_csv("/nonexistent/file.csv"), std::runtime_error);
}

TEST_CASE("csv: cases the fuzzer's review found") {
  // Underflowing numbers are numbers (not a header line to drop): 1e-50 reads as 0.
  CsvTable t = parse_csv("1e-50,2\n3,4\n", "u.csv");
  CHECK(t.header.empty());
  CHECK(t.values == Array{{0, 2}, {3, 4}});
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n1e50,4\n", "o.csv"), "o.csv:2:1: '1e50' is not a finite number",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("a\n1,2,3\n", "h.csv"), "h.csv:1:1: the header names 1 columns but the rows have 3",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n1,+-1\n", "s.csv"), "s.csv:2:2: '+-1' is not a number", std::invalid_argument);
}
