// xtgrad: the whole public API in one include.
#pragma once

#include "core/autograd.hpp"
#include "core/build_info.hpp"
#include "core/gradcheck.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"
