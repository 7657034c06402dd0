// Checkpoints: the model's state dict, the optimizer's and every scheduler's state, the generator,
// step and epoch counters and user metadata, so that training resumed from one continues
// bit-identically to training that never stopped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/random.hpp"
#include "xtgrad/io/weights.hpp"
#include "xtgrad/optim/optimizer.hpp"
#include "xtgrad/optim/scheduler.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

/// What a checkpoint saves and restores: pointers to the live objects (only `model` is required)
/// and the counters and metadata written beside them.
/// `save_checkpoint(path, {&model, &optimizer, {&warmup, &cosine}, &gen, epoch, step});`
struct Checkpoint {
  Module* model = nullptr;
  Optimizer* optimizer = nullptr;
  std::vector<Scheduler*> schedulers = {};
  Generator* generator = nullptr;
  std::int64_t epoch = 0;
  std::int64_t step = 0;
  Json metadata = Json::object();
  /// Generators beside `generator` (a Dropout's or a recurrent layer's own, a sampler's), saved
  /// in this order as "generators" and restored in the same order: every generator a run draws
  /// from must be here or in `generator` for the resumed run to continue bit for bit.
  std::vector<Generator*> more_generators = {};
};

/// Writes {"format": "xtgrad-checkpoint", "version": 2, "epoch", "step", "weights",
/// "optimizer": {"type", "state"}, "schedulers": [{"type", "state"}], "generator", "metadata",
/// "generators" (with more_generators only)}
/// atomically. Each object writes its own state_dict(); nothing here knows their types. A tensor
/// holding a NaN or an infinity (a run that diverged) throws std::invalid_argument naming it, and
/// nothing is written: loading would refuse the file.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

/// Restores every object `checkpoint` points to and sets its epoch, step and metadata. The file
/// must hold exactly those objects (the same optimizer type, the same schedulers in order, as
/// many more_generators).
/// Everything is checked first; if anything does not fit, one std::invalid_argument names the
/// file and every problem, and nothing is changed.
void load_checkpoint(const std::string& path, Checkpoint& checkpoint);

}  // namespace xtgrad

XTGRAD_API_END
