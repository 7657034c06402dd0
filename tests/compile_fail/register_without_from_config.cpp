// Must not compile: register_module_type<M> for a module without M::from_config. The test
// (tests/CMakeLists.txt) passes when the compiler's error is the library's own sentence.
#include "xtgrad/layers/registry.hpp"

struct NoFromConfig : xtgrad::Module {
  std::string type_name() const override { return "NoFromConfig"; }
};

int main() { xtgrad::register_module_type<NoFromConfig>("NoFromConfig"); }
