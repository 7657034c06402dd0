#!/usr/bin/env bash
# Data-parallel W3 with 1 and 2 ranks of 1 thread each: xtgrad (ddp_bench under mpirun, with
# and without the barrier that separates waiting from transfer) and PyTorch DDP (gloo,
# bench/ddp_torch.py), interleaved ROUNDS times so a burst of load elsewhere hits all alike.
# Take the best of the rounds. Usage: bench/ddp.sh [BUILD_DIR] [ROUNDS]   (defaults: build 3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-3}
cmake --build "$build" -j2 --target ddp_bench
# Open MPI: root is allowed (CI), shared memory only, one core per rank.
mpirun=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader --bind-to core)
# PyTorch at its best here: 1 thread per rank, OpenBLAS told the CPU it misdetects.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX
grep -m1 "model name" /proc/cpuinfo
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  for np in 1 2; do
    "${mpirun[@]}" -np "$np" "$build/bench/ddp_bench"
    "${mpirun[@]}" -np "$np" "$build/bench/ddp_bench" --split-wait
    /usr/bin/python3 bench/ddp_torch.py --ranks "$np"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
