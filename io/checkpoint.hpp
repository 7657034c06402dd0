// Checkpoints: weights plus optimizer state, epoch and generator state, so that training
// resumed from one continues bit-identically to training that never stopped.
#pragma once

#include <string>

#include "../core/random.hpp"
#include "../optim/optimizer.hpp"
#include "weights.hpp"

namespace xtgrad {

struct CheckpointInfo {
  std::int64_t epoch = 0;
  Json metadata;
};

/// Writes {"format": "xtgrad-checkpoint", "version": 1, "weights": ..., "optimizer": ...,
/// "epoch", "generator", "metadata"} atomically. Supports SGD, Adam and AdamW.
void save_checkpoint(const std::string& path, const Module& module, const Optimizer& optimizer,
                     std::int64_t epoch, const Generator& generator, const Json& metadata = Json::object());

/// Restores module, optimizer (type, lr and per-parameter state) and generator. Validates all
/// of it first; on any error nothing is changed.
CheckpointInfo load_checkpoint(const std::string& path, Module& module, Optimizer& optimizer, Generator& generator);

}  // namespace xtgrad
