#!/usr/bin/env bash
# One workload side by side at 1 thread: libtorch at its best as issue #13 defines it (SkylakeX
# kernels, passive OpenMP waits, glibc's malloc thresholds raised so that its large temporaries
# are not mapped and unmapped every step) and xtgrad alternately, ROUNDS times each, so that a
# change in the machine's load hits both. Prints every run's median µs per step, then each
# program's best and the best-against-best ratio.
# Usage: bench/side_by_side.sh WORKLOAD [BUILD_DIR (default build-bench)] [ROUNDS (default 6)]
#   The build dir needs xtgrad_bench and torch_bench (-DXTGRAD_BUILD_BENCH=ON; compare.sh builds them).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
workload="${1:?usage: $0 WORKLOAD [BUILD_DIR] [ROUNDS]}"
bin="${2:-$repo/build-bench}/bench"
rounds="${3:-6}"
us() { sed -n 's/.*us_per_step=\([0-9.]*\).*/\1/p'; }   # the figure from a program's result line

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
torch=() xt=()
for ((r = 1; r <= rounds; ++r)); do
  torch+=("$(OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=67108864 \
             MALLOC_TRIM_THRESHOLD_=268435456 "$bin/torch_bench" --workload "$workload" --threads 1 2>/dev/null | us)")
  xt+=("$("$bin/xtgrad_bench" --workload "$workload" --threads 1 2>/dev/null | us)")
  echo "round $r: libtorch ${torch[-1]} µs, xtgrad ${xt[-1]} µs"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
best() { printf '%s\n' "$@" | sort -g | head -n 1; }
bt="$(best "${torch[@]}")" bx="$(best "${xt[@]}")"
awk -v t="$bt" -v x="$bx" 'BEGIN { printf "best: libtorch %s µs, xtgrad %s µs, ratio %.2fx\n", t, x, t / x }'
