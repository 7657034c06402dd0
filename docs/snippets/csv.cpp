// Guide snippets: loading the shipped data files (data/README.md) into tensors. Compiled and run
// by CTest, with XTGRAD_DATA_DIR naming the source tree's data/ folder.
#include <cstdio>
#include <string>

#include <xtgrad/io.hpp>

using namespace xtgrad;

int main() {
  std::string data_dir = XTGRAD_DATA_DIR;
  // [snippet:breast-cancer]
  // Line 1 of this file is scikit-learn's "569,30,malignant,benign", not column names: skip it,
  // and read every line after it as data (data/README.md describes the file).
  CsvOptions options;
  options.skip_lines = 1;
  options.allow_header = false;
  // [569, 31]: 30 features, then the target
  Tensor table(read_csv(data_dir + "/breast_cancer_wisconsin.csv", options).values);
  Tensor x = narrow(table, /*dim=*/1, /*start=*/0, /*length=*/30);  // the 30 features, [569, 30]
  Tensor y = narrow(table, 1, 30, 1);                               // the target, [569, 1]: 1 = benign, 0 = malignant
  // [end-snippet]
  // [snippet:diabetes]
  CsvTable diabetes = read_csv(data_dir + "/diabetes.csv");  // a first line of names is skipped
  std::printf("%zu rows; last column '%s'\n", diabetes.values.shape()[0], diabetes.header.back().c_str());
  // [end-snippet]
  std::printf("breast cancer: x %s, y %s\n", shape_str(x.shape()).c_str(), shape_str(y.shape()).c_str());
  bool ok = x.shape() == Shape{569, 30} && y.shape() == Shape{569, 1} && diabetes.values.shape()[0] == 442 &&
            diabetes.header.size() == 11 && diabetes.header.back() == "progression";
  return ok ? 0 : 1;
}
