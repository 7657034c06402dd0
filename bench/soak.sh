#!/usr/bin/env bash
# Soak: 10,000 training steps of the small MLP (W1) and 2,000 of the LSTM (W4), resident memory
# sampled along the way; fails when either grows by 1 MB or more after warm-up.
# Usage: bench/soak.sh [BUILD_DIR]   (default: build; needs build/bench/xtgrad_bench)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="${1:-$repo/build}/bench/xtgrad_bench"
limit_kb=1024
status=0
for workload in W1 W4; do
  out="$("$bench" --workload "$workload" --check-memory)"
  echo "$out"
  growth="$(sed -n 's/^rss_growth_kb=//p' <<<"$out")"
  if [ "$growth" -lt "$limit_kb" ]; then
    echo "soak $workload: resident memory grew ${growth} kB after warm-up (limit ${limit_kb} kB): ok"
  else
    echo "soak $workload: resident memory grew ${growth} kB after warm-up (limit ${limit_kb} kB): FAILED"
    status=1
  fi
done
exit $status
