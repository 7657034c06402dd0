// Generator's engine against std::mt19937_64 (the words, the standard's 10000th value, the state
// text of libstdc++ that checkpoints hold) and its state's round trip.
#include <cstdint>
#include <random>
#include <sstream>
#include <string>

#include "support/testing.hpp"

using namespace xtgrad;

namespace {
std::string engine_text(const std::mt19937_64& engine) {
  std::ostringstream os;
  os << engine;
  return os.str();
}
}  // namespace

TEST_CASE("Generator: the words of std::mt19937_64 seeded alike, across several blocks") {
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{5489}, std::uint64_t{1234}, ~std::uint64_t{0}}) {
    CAPTURE(seed);
    Generator gen(seed);
    std::mt19937_64 engine(seed);
    bool same = true;
    for (int i = 0; i < 2000 && same; ++i) same = gen.next_u64() == engine();
    CHECK(same);
  }
  // [rand.predef]: the 10000th consecutive invocation of a default-constructed mt19937_64.
  Generator standard;
  for (int i = 0; i < 9999; ++i) standard.next_u64();
  CHECK(standard.next_u64() == 9981545732273789042ULL);
}

TEST_CASE("Generator: its state is libstdc++'s text of the engine, then the cached normal, and it resumes exactly") {
  for (int draws : {0, 1, 311, 312, 313, 1000}) {
    CAPTURE(draws);
    Generator gen(77);
    std::mt19937_64 engine(77);
    for (int i = 0; i < draws; ++i) gen.next_u64(), engine();
    CHECK(gen.state() == engine_text(engine) + " 0 0");
    Generator resumed(1);
    resumed.set_state(gen.state());
    bool same = true;
    for (int i = 0; i < 700 && same; ++i) same = resumed.next_u64() == gen.next_u64();
    CHECK(same);
  }
  // A cached normal comes back too.
  Generator gen(3);
  gen.normal();
  Generator resumed;
  resumed.set_state(gen.state());
  CHECK(resumed.normal() == gen.normal());
  CHECK(resumed.next_u64() == gen.next_u64());
}

TEST_CASE("Generator: set_state refuses text it did not write") {
  Generator gen(5);
  std::string good = gen.state();
  for (const std::string& bad :
       {std::string(""), std::string("1 2 3"), good + " extra", good.substr(0, good.rfind(" 312 ")) + " 313 0 0"}) {
    CAPTURE(bad.substr(0, 40));
    CHECK_THROWS_WITH_AS(gen.set_state(bad),
                         "Generator::set_state: not a generator state written by Generator::state()",
                         std::invalid_argument);
  }
  CHECK(gen.state() == good);  // unchanged by the refusals
}
