// xtgrad: the whole public API in one include.
#pragma once

#include "core/autograd.hpp"
#include "core/build_info.hpp"
#include "core/gradcheck.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"
#include "layers/activation.hpp"
#include "layers/linear.hpp"
#include "layers/module.hpp"
#include "layers/sequential.hpp"
#include "losses/bce.hpp"
#include "optim/adam.hpp"
#include "optim/clip.hpp"
#include "optim/optimizer.hpp"
#include "optim/scheduler.hpp"
#include "optim/sgd.hpp"
