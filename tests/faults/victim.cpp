// The program the fault tests break: it saves with the library's real writers, so the faults
// (injected by the LD_PRELOAD interposer) hit the code users run.
//   fault_victim weights PATH SEED        save_weights of a small MLP
//   fault_victim checkpoint PATH SEED     save_checkpoint of a small MLP and its Adam state
//   fault_victim checkpoint-loop PATH SEED HIDDEN   a large checkpoint (HIDDEN 256: 2.7 MB) saved
//                                         again and again; prints "ready", then "saved N" after each
// Exits 1 with "error: <what()>" on stderr when a save throws.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "training_state.hpp"

using namespace xtgrad;

int main(int argc, char** argv) {
  std::string mode = argc > 2 ? argv[1] : "", path = argc > 2 ? argv[2] : "";
  std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  try {
    if (mode == "weights") {
      Generator gen(seed);
      Sequential model{std::make_shared<Linear>(8, 16, true, gen), std::make_shared<ReLU>(),
                       std::make_shared<Linear>(16, 1, true, gen)};
      save_weights(model, path, {{"seed", seed}});
    } else if (mode == "checkpoint") {
      faults::TrainingState state(8, 16, seed);
      state.step();
      state.save(path, static_cast<std::int64_t>(seed));
    } else if (mode == "checkpoint-loop") {
      std::size_t hidden = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 256;
      faults::TrainingState state(64, hidden, seed);
      state.step();
      std::printf("ready\n");
      std::fflush(stdout);
      for (std::int64_t epoch = 1;; ++epoch) {
        state.save(path, epoch);
        std::printf("saved %lld\n", static_cast<long long>(epoch));
        std::fflush(stdout);
      }
    } else {
      std::fprintf(stderr, "usage: fault_victim weights|checkpoint|checkpoint-loop PATH [SEED [HIDDEN]]\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
