#!/usr/bin/env bash
# The portable build (XTGRAD_NATIVE=OFF) against the native one, workload by workload at 1 thread:
# both builds alternately (native first in odd rounds, portable first in even ones) ROUNDS times, so
# that a change in the machine's load hits both; prints each build's best µs per step and the ratio
# native / portable (1.00: the portable build is as fast; the issue asks for >= 0.95).
# Usage: bench/portable_vs_native.sh [ROUNDS (default 6)] [WORKLOAD...] (default: every workload)
#   Needs build-bench/ and build-bench-portable/ as bench/compare.sh builds them (XTGRAD_NATIVE_DIR
#   and XTGRAD_PORTABLE_DIR override them).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
native="${XTGRAD_NATIVE_DIR:-$repo/build-bench}/bench/xtgrad_bench"
portable="${XTGRAD_PORTABLE_DIR:-$repo/build-bench-portable}/bench/xtgrad_bench"
rounds="${1:-6}"
shift || true
workloads=("$@")
if [ ${#workloads[@]} -eq 0 ]; then workloads=(W1 W2 W3 W4 W5 W5s W6 W7 W8 W9 I1 I3); fi
us() { sed -n 's/.*us_per_step=\([0-9.]*\).*/\1/p'; }   # the figure from a program's result line
best() { printf '%s\n' "$@" | sort -g | head -n 1; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| workload | native µs | portable µs | native / portable |"
echo "| --- | ---: | ---: | ---: |"
for w in "${workloads[@]}"; do
  n=() p=()
  for ((r = 1; r <= rounds; ++r)); do
    order=("$native" "$portable")
    if ((r % 2 == 0)); then order=("$portable" "$native"); fi
    for program in "${order[@]}"; do
      t="$("$program" --workload "$w" --threads 1 2>/dev/null | us)"
      if [ "$program" = "$native" ]; then n+=("$t"); else p+=("$t"); fi
    done
  done
  awk -v w="$w" -v a="$(best "${n[@]}")" -v b="$(best "${p[@]}")" \
    'BEGIN { printf "| %s | %s | %s | %.3f |\n", w, a, b, a / b }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
