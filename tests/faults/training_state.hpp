// The model, optimizer and generator the fault tests save and load, and the only calls to
// save_checkpoint / load_checkpoint in them: when those signatures change, adapt these two lines.
#pragma once

#include <string>

#include "xtgrad/io.hpp"

namespace xtgrad::faults {

/// An MLP (inputs -> hidden -> hidden -> 1) with Adam after one step, so the checkpoint holds
/// optimizer moments too: about 3 × (inputs·hidden + hidden² + 2·hidden) numbers.
struct TrainingState {
  TrainingState(std::size_t inputs, std::size_t hidden, std::uint64_t seed)
      : gen(seed),
        model{std::make_shared<Linear>(inputs, hidden, true, gen), std::make_shared<ReLU>(),
              std::make_shared<Linear>(hidden, hidden, true, gen), std::make_shared<ReLU>(),
              std::make_shared<Linear>(hidden, 1, true, gen)},
        optimizer(model.parameters()) {}

  /// One Adam step on random data: the state a resumed run continues from.
  void step() {
    optimizer.zero_grad();
    Tensor x = randn({4, model.parameters()[0].size(1)}, gen);
    mean(model(x)).backward();
    optimizer.step();
  }

  void save(const std::string& path, std::int64_t epoch) {
    save_checkpoint(path, {&model, &optimizer, {}, &gen, epoch});
  }
  std::int64_t load(const std::string& path) {
    Checkpoint c{&model, &optimizer, {}, &gen};
    load_checkpoint(path, c);
    return c.epoch;
  }

  Generator gen;
  Sequential model;
  Adam optimizer;
};

}  // namespace xtgrad::faults
