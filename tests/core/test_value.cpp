// Value: the plain-data tree that configs and state dicts are made of.
#include "support/testing.hpp"

#include "xtgrad/core/value.hpp"

using namespace xtgrad;

TEST_CASE("Value: kinds, checked reads and key order") {
  Value v = Value::dict();
  v["lr"] = 0.01;
  v["steps"] = 3;
  v["name"] = "Adam";
  v["amsgrad"] = false;
  v["betas"] = Value::numbers({0.9, 0.999});
  v["weights"] = Array{1.0f, 2.0f};
  CHECK(v.size() == 6);
  CHECK(v.as_dict()[0].first == "lr");
  CHECK(v.as_dict()[5].first == "weights");
  CHECK(v.get_real("lr") == 0.01);
  CHECK(v.get_real("steps") == 3.0);  // an integer reads as a real
  CHECK(v.get_int("steps") == 3);
  CHECK(v.get_string("name") == "Adam");
  CHECK_FALSE(v.get_bool("amsgrad"));
  CHECK(v.get_bool_or("nesterov", true));
  CHECK(v.at("betas")[1].as_real() == 0.999);
  CHECK(v.at("weights").as_tensor()(1) == 2.0f);
  CHECK(to_string(v.at("betas")) == "[0.90000000000000002, 0.999]");
}

TEST_CASE("Value: wrong kinds and missing keys name the key") {
  Value v = Value::dict();
  v["lr"] = "fast";
  v["size"] = -4;
  CHECK_THROWS_WITH_AS(v.get_real("lr"), "'lr' must be a number, got a string \"fast\"", std::invalid_argument);
  CHECK_THROWS_WITH_AS(v.get_int("momentum"), "'momentum' is missing", std::invalid_argument);
  CHECK_THROWS_WITH_AS(v.get_int_in("size", 1, 16), "'size' must be an integer from 1 to 16, got -4",
                       std::invalid_argument);
  const Value& c = v;
  CHECK_THROWS_WITH_AS(c[std::size_t{0}], "expected a list, got an object", std::invalid_argument);
  CHECK_THROWS_AS(Value(~0ull), std::invalid_argument);  // does not fit an int64
}

TEST_CASE("Value: equality compares kinds and tensor contents") {
  CHECK(Value(1) != Value(1.0));
  CHECK(Value(Array{1.0f, 2.0f}) == Value(Array{1.0f, 2.0f}));
  CHECK(Value(Array{1.0f, 2.0f}) != Value(Array{{1.0f, 2.0f}}));
  Value a = Value::list();
  a.push_back(1);
  a.push_back("x");
  Value b = a;
  CHECK(a == b);
  b.push_back(Value());
  CHECK(a != b);
}
