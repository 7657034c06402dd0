// The process group every case of test_distributed shares (one MPI_Init per process).
#pragma once

#include <xtgrad/distributed/distributed.hpp>

xtgrad::ProcessGroup& test_group();
