// xtgrad's files in one include: weights files PyTorch reads, rebuilding a model from its file,
// checkpoints, CSV. Brings in nlohmann/json (xtgrad/xtgrad.hpp does not).
#pragma once

#include "xtgrad/io/checkpoint.hpp"
#include "xtgrad/io/csv.hpp"
#include "xtgrad/io/tensor_json.hpp"
#include "xtgrad/io/value_json.hpp"
#include "xtgrad/io/weights.hpp"
#include "xtgrad/xtgrad.hpp"
