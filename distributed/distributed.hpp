// xtgrad::distributed: data-parallel training over MPI (built when CMake finds MPI; link
// xtgrad::distributed and run under mpirun). See the guide's "Training on several processes".
#pragma once

#include "data_parallel.hpp"
#include "process_group.hpp"
#include "sampler.hpp"
