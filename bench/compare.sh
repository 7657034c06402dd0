#!/usr/bin/env bash
# Compares xtgrad with libtorch on every workload of bench/README.md, with 1 and 2 threads, and
# prints a Markdown table (also written to build-bench/results.md). Installs libtorch-dev when
# absent, builds in build-bench/ (Release), and measures the machine's sgemm and memcpy peaks.
# Usage: bench/compare.sh            (from any directory; about 5 minutes on 2 cores)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build-bench"
bin="$build/bench"
workloads=(W1 W2 W3 W4 W5 W5s W6 W7 W8 W9 I1 I3)
thread_counts=(1 2)
log="$build/compare.log"   # everything the programs print on stderr

# --- 1. Dependencies: libtorch-dev and what the bench programs need, from Debian -------------
missing=()
for p in libtorch-dev libcli11-dev libopenblas-dev libeigen3-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing: ${missing[*]}" >&2
  # Lock::Timeout waits for another apt or dpkg run to finish instead of failing at once.
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${missing[@]}"
fi

# --- 2. Build -----------------------------------------------------------------------------------
mkdir -p "$build"
: >"$log"
echo "building in $build ..." >&2
if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DXTGRAD_BUILD_BENCH=ON \
         -DXTGRAD_BUILD_TESTS=OFF -DXTGRAD_BUILD_EXAMPLES=OFF &&
       cmake --build "$build" -j2 --target xtgrad_bench torch_bench xtgrad_peak; } >"$build/build.log" 2>&1; then
  tail -n 40 "$build/build.log" >&2
  echo "compare.sh: build failed; the full log is $build/build.log" >&2
  exit 1
fi

# --- 3. The machine's peaks ---------------------------------------------------------------------
echo "measuring sgemm and memcpy peaks ..." >&2
peak="$(OPENBLAS_CORETYPE=SkylakeX "$bin/xtgrad_peak")"
field() { sed -n "s/^$1=//p" <<<"$2"; }   # field KEY TEXT: the value of a KEY=value line
eigen_1t="$(field eigen_gflops_1t "$peak")"
blas_1t="$(field openblas_gflops_1t "$peak")"
blas_2t="$(field openblas_gflops_2t "$peak")"
memcpy_gbps="$(field memcpy_gbps "$peak")"
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
declare -A sgemm_peak=([1]="$(max "$eigen_1t" "$blas_1t")" [2]="$(max "$eigen_1t" "$blas_2t")")

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  echo "warning: load average is $load_before; other processes will skew the times" >&2
fi

# --- 4. The runs --------------------------------------------------------------------------------
# measure PROGRAM WORKLOAD THREADS [VAR=value | -u VAR]... prints "us_per_step peak_rss_kb";
# "n/a n/a" when the program declines the workload (exit 2: xtgrad and W4), "failed failed" on errors.
measure() {
  local program="$1" workload="$2" threads="$3" out rc=0
  shift 3
  echo "== $(basename "$program") $workload threads=$threads env: $*" >>"$log"
  out="$(env "$@" "$program" --workload "$workload" --threads "$threads" 2>>"$log")" || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "$(grep -o 'us_per_step=[0-9.]*' <<<"$out" | cut -d= -f2) $(field peak_rss_kb "$out")"
  elif [ "$rc" -eq 2 ]; then
    echo "n/a n/a"
  else
    echo "compare.sh: $(basename "$program") $workload --threads $threads failed (exit $rc); see $log" >&2
    echo "failed failed"
  fi
}

declare -A us rss   # keyed "impl/workload/threads", impl in xtgrad, torch_asis, torch_skx
# record KEY PROGRAM WORKLOAD THREADS [env...]: measures and stores under KEY.
record() {
  local key="$1" result
  shift
  result="$(measure "$@")"
  us[$key]="${result% *}"
  rss[$key]="${result#* }"
}

for w in "${workloads[@]}"; do
  for t in "${thread_counts[@]}"; do
    echo "running $w with $t thread(s) ..." >&2
    # The three runs of one row follow each other, so that they see the same machine state.
    record "xtgrad/$w/$t" "$bin/xtgrad_bench" "$w" "$t"
    record "torch_asis/$w/$t" "$bin/torch_bench" "$w" "$t" -u OPENBLAS_CORETYPE
    # Its best: the core type set by hand, and OpenMP's idle threads sleeping instead of spinning
    # (with both OpenMP and OpenBLAS threads, spinning ones starve the others on 2 cores).
    record "torch_skx/$w/$t" "$bin/torch_bench" "$w" "$t" OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE
  done
done

# --- 5. The report ------------------------------------------------------------------------------
# calc FORMAT EXPRESSION [NAME=value]...: evaluates with awk; n/a if any value is not a number.
calc() {
  local format="$1" expr="$2" kv args=()
  shift 2
  for kv in "$@"; do
    if ! [[ "${kv#*=}" =~ ^[0-9]+(\.[0-9]*)?$ ]]; then echo "n/a"; return; fi
    args+=(-v "$kv")
  done
  awk "${args[@]}" "BEGIN { printf \"$format\", $expr }"
}
mb() { calc "%.0f" "kb / 1024" kb="$1"; }
# best A B: the smaller of two times, ignoring one that is not a number.
best() {
  local number='^[0-9]+(\.[0-9]*)?$'
  if ! [[ "$1" =~ $number ]]; then echo "$2"; elif ! [[ "$2" =~ $number ]]; then echo "$1"; else awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0 ? a : b) }'; fi
}

# W3: forward and backward of three linear layers, each ≈ 3 GEMMs of 2·batch·in·out FLOPs.
w3_flops=$((3 * 2 * 512 * (784 * 1024 + 1024 * 1024 + 1024 * 1)))
w3_flops_exact=$((2 * 512 * (3 * (1024 * 1024 + 1024 * 1) + 2 * 784 * 1024)))
# W5: 20 bytes per element (forward reads x, writes y: 8; backward reads y and the upstream
# gradient, writes x's gradient: 12).
w5_bytes=$((20 * 1000000))
w5s_bytes=$((20 * 50000))

report() {
  echo "# xtgrad vs libtorch"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores."
  echo "$(grep -m1 '^# xtgrad' "$log" | sed 's/^# //'); $(grep -m1 '^# libtorch' "$log" | sed 's/^# //;s/, intra-op.*//')" \
    "($(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null)), OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0 2>/dev/null)."
  echo "Load average (1, 5, 15 min) before the runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Machine peaks (bench/peak.cpp, OPENBLAS_CORETYPE=SkylakeX, detected core $(field openblas_core "$peak")):"
  echo "sgemm 512×1024×1024: Eigen ${eigen_1t} GFLOP/s (1 thread), OpenBLAS ${blas_1t} (1 thread) and ${blas_2t} (2 threads);"
  echo "memcpy of 64 MB: ${memcpy_gbps} GB/s counting bytes read + written."
  echo
  echo "| workload | threads | xtgrad µs | libtorch µs (as is) | libtorch µs (best) | speed-up vs best | xtgrad peak RSS MB | libtorch peak RSS MB |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for w in "${workloads[@]}"; do
    for t in "${thread_counts[@]}"; do
      local x="${us[xtgrad/$w/$t]}" a="${us[torch_asis/$w/$t]}" s="${us[torch_skx/$w/$t]}"
      local b
      b="$(best "$a" "$s")"
      echo "| $w | $t | $x | $a | $b | $(calc "%.2f×" "b / x" b="$b" x="$x") |" \
        "$(mb "${rss[xtgrad/$w/$t]}") | $(mb "${rss[torch_skx/$w/$t]}") |"
    done
  done
  echo
  echo "µs = median over 5 repetitions of the time per step. libtorch (best) = the faster of its run as it"
  echo "comes and its run with OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE. speed-up = libtorch (best) /"
  echo "xtgrad: above 1, xtgrad is faster. Threads: xtgrad set_num_threads(N) (products of 32M+ multiply-adds and loops over 2^18+ floats);"
  echo "libtorch at::set_num_threads(N) and OpenBLAS's thread count. libtorch's peak RSS is from its best run."
  echo
  echo "W3 as a fraction of the sgemm peak (the faster of Eigen and OpenBLAS at that thread count), with"
  echo "step FLOPs = 3 × 2 × batch × (784·1024 + 1024·1024 + 1024·1) = 3 × 2 × 512 × 1852416 = $w3_flops."
  echo "That counts every layer's input gradient; neither library computes the first layer's, so the GEMMs"
  echo "actually run are $w3_flops_exact FLOPs: the last column counts only those."
  echo
  echo "| threads | impl | GFLOP/s | fraction of sgemm peak | counting only the GEMMs run |"
  echo "| ---: | --- | ---: | ---: | ---: |"
  for t in "${thread_counts[@]}"; do
    local x="${us[xtgrad/W3/$t]}" b
    b="$(best "${us[torch_asis/W3/$t]}" "${us[torch_skx/W3/$t]}")"
    for pair in "xtgrad:$x" "libtorch (best):$b"; do
      local impl="${pair%%:*}" u="${pair#*:}"
      echo "| $t | $impl | $(calc "%.1f" "f / (u * 1e3)" f="$w3_flops" u="$u") |" \
        "$(calc "%.2f" "f / (u * 1e3) / p" f="$w3_flops" u="$u" p="${sgemm_peak[$t]}") |" \
        "$(calc "%.2f" "f / (u * 1e3) / p" f="$w3_flops_exact" u="$u" p="${sgemm_peak[$t]}") |"
    done
  done
  echo
  echo "W5 (and W5s) as a fraction of memcpy bandwidth, assuming 20 bytes moved per element per step"
  echo "(forward reads x and writes y: 8 B; backward reads y and the upstream gradient and writes x's"
  echo "gradient: 12 B). W5s's arrays (800 kB in all) stay in cache, so its fraction can exceed 1."
  echo
  echo "| workload | threads | impl | GB/s | fraction of memcpy |"
  echo "| --- | ---: | --- | ---: | ---: |"
  for w in W5 W5s; do
    local bytes=$w5_bytes
    if [ "$w" = W5s ]; then bytes=$w5s_bytes; fi
    for t in "${thread_counts[@]}"; do
      local x="${us[xtgrad/$w/$t]}" b
      b="$(best "${us[torch_asis/$w/$t]}" "${us[torch_skx/$w/$t]}")"
      for pair in "xtgrad:$x" "libtorch (best):$b"; do
        local impl="${pair%%:*}" u="${pair#*:}"
        echo "| $w | $t | $impl | $(calc "%.1f" "y / (u * 1e3)" y="$bytes" u="$u") |" \
          "$(calc "%.2f" "y / (u * 1e3) / m" y="$bytes" u="$u" m="$memcpy_gbps") |"
      done
    done
  done
}

memory="$("$repo/bench/soak.sh" "$build" 2>>"$log")" || true  # the report shows a failure
report_memory() {
  echo
  echo "Memory (bench/soak.sh: 10,000 W1 and 2,000 W4 training steps, RSS sampled ten times):"
  echo
  echo '```'
  echo "$memory"
  echo '```'
}

{ report; report_memory; } | tee "$build/results.md"
echo >&2
echo "written to $build/results.md; the programs' stderr is in $log" >&2
