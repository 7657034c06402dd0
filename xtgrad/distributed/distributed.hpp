// xtgrad::distributed: data-parallel training over MPI (built when CMake finds MPI; link
// xtgrad::distributed and run under mpirun). See the guide's "Training on several processes".
#pragma once

#include "xtgrad/distributed/data_parallel.hpp"
#include "xtgrad/distributed/process_group.hpp"
#include "xtgrad/distributed/sampler.hpp"
