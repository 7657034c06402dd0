#!/usr/bin/env bash
# Compares xtgrad, native and portable builds, with libtorch at its best on every workload of
# bench/README.md, with 1 and 2 threads, and prints a Markdown table (also written to
# build-bench/results.md). Installs libtorch-dev when absent, builds in build-bench/ (Release,
# -march=native) and build-bench-portable/ (XTGRAD_NATIVE=OFF, xtgrad_bench only), and measures
# the machine's best sgemm and its copy bandwidth (bench/peak.cpp).
# Usage: bench/compare.sh            (from any directory; see bench/README.md for how long it takes)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build-bench"
bin="$build/bench"
portable="$repo/build-bench-portable"   # the same sources without -march=native
# COMPARE_WORKLOADS="W1 W5" limits the runs (a quick check of the script itself).
read -r -a workloads <<<"${COMPARE_WORKLOADS:-W1 W2 W3 W4 W5 W5s W6 W7 W8 W9 I1 I3}"
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
mkdir -p "$build" "$portable"
: >"$log"
configure_and_build() {  # configure_and_build DIR NATIVE TARGET...
  local dir="$1" native="$2"
  shift 2
  cmake -S "$repo" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DXTGRAD_NATIVE="$native" -DXTGRAD_BUILD_BENCH=ON \
    -DXTGRAD_BUILD_TESTS=OFF -DXTGRAD_BUILD_EXAMPLES=OFF && cmake --build "$dir" -j2 --target "$@"
}
for spec in "$build ON xtgrad_bench torch_bench xtgrad_peak xtgrad_gemm_shootout" "$portable OFF xtgrad_bench"; do
  read -r dir native targets <<<"$spec"
  echo "building in $dir ..." >&2
  # shellcheck disable=SC2086  # targets is a list of names
  if ! configure_and_build "$dir" "$native" $targets >"$dir/build.log" 2>&1; then
    tail -n 40 "$dir/build.log" >&2
    echo "compare.sh: build failed; the full log is $dir/build.log" >&2
    exit 1
  fi
done

# --- 3. The machine's peaks ---------------------------------------------------------------------
# OpenBLAS's kernel family for this CPU (Debian's OpenBLAS 0.3.21 misdetects recent ones).
coretype=
if grep -qw avx512f /proc/cpuinfo; then coretype=SkylakeX; elif grep -qw avx2 /proc/cpuinfo; then coretype=Haswell; fi
field() { sed -n "s/^$1=//p" <<<"$2"; }   # field KEY TEXT: the value of a KEY=value line
# The machine's peaks (xtgrad_peak's KEY=value lines), and W3's products alone (the eight of its
# step, each through xtgrad's gemm at its best of 20 interleaved rounds, summed: how fast its
# GEMMs run apart from the rest of the step) as w3_gemm_gflops_<N>t.
measure_peaks() {
  env ${coretype:+OPENBLAS_CORETYPE=$coretype} "$bin/xtgrad_peak"
  for t in 1 2; do
    echo "w3_gemm_gflops_${t}t=$(env ${coretype:+OPENBLAS_CORETYPE=$coretype} "$bin/xtgrad_gemm_shootout" \
      --only "W3 " --threads "$t" --rounds 20 2>>"$log" | sed -n 's/^xtgrad_total_gflops=//p')"
  done
}
# higher_of A B: A's KEY=value lines, each number replaced by B's for the same key when B's is higher.
higher_of() {
  awk -F= 'NR == FNR { b[$1] = $2; next }
           NF == 2 && $2 ~ /^[0-9.]+$/ && b[$1] ~ /^[0-9.]+$/ && b[$1] + 0 > $2 + 0 { print $1 "=" b[$1]; next }
           { print }' <(echo "$2") <(echo "$1")
}
# A shared VM's speed drifts by tens of percent over minutes, so the peaks are measured before the
# runs and again after them, each keeping the higher: the machine's best, which no workload's
# fraction of it should exceed.
echo "measuring sgemm and copy peaks ..." >&2
peak="$(measure_peaks)"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  echo "warning: load average is $load_before; other processes will skew the times" >&2
fi

# --- 4. The runs --------------------------------------------------------------------------------
# measure PROGRAM WORKLOAD THREADS [VAR=value | -u VAR]... prints "us_per_step peak_rss_kb";
# "n/a n/a" when the program declines the workload (exit 2: xtgrad and W4), "failed failed" on errors.
# A 1-thread run is pinned to the CPU in $cpu when it is set (taskset): see the rounds below.
measure() {
  local program="$1" workload="$2" threads="$3" out rc=0 pin=()
  shift 3
  if [ "$threads" = 1 ] && [ -n "${cpu:-}" ]; then pin=(taskset -c "$cpu"); fi
  echo "== ${program#"$repo"/} $workload threads=$threads ${pin[*]} env: $*" >>"$log"
  out="$("${pin[@]}" env "$@" "$program" --workload "$workload" --threads "$threads" 2>>"$log")" || rc=$?
  if [ "$rc" -eq 0 ]; then
    local us_per_step  # on the line "workload=... us_per_step=N", so not field's
    us_per_step=$(grep -o 'us_per_step=[0-9.]*' <<<"$out" | cut -d= -f2)
    echo "us_per_step=$us_per_step" >>"$log"
    echo "$us_per_step $(field peak_rss_kb "$out")"
  elif [ "$rc" -eq 2 ]; then
    echo "n/a n/a"
  else
    echo "compare.sh: $(basename "$program") $workload --threads $threads failed (exit $rc); see $log" >&2
    echo "failed failed"
  fi
}

declare -A us rss   # keyed "impl/workload/threads"
# record KEY PROGRAM WORKLOAD THREADS [env...]: measures and stores under KEY.
record() {
  local key="$1" result
  shift
  result="$(measure "$@")"
  us[$key]="${result% *}"
  rss[$key]="${result#* }"
}
number='^[0-9]+(\.[0-9]*)?$'
# keep_faster KEY FROM: copies FROM's figures to KEY when FROM is a number faster than KEY's (or
# KEY has none); returns 0 when it copied. KEY takes FROM's "n/a" or "failed" if it has nothing yet.
keep_faster() {
  local key="$1" from="$2"
  if ! [[ "${us[$from]}" =~ $number ]]; then
    if [ -z "${us[$key]:-}" ]; then us[$key]="${us[$from]}" rss[$key]="${rss[$from]}"; fi
    return 1
  fi
  if [[ "${us[$key]:-}" =~ $number ]] && awk -v a="${us[$key]}" -v b="${us[$from]}" 'BEGIN { exit !(a <= b) }'; then
    return 1
  fi
  us[$key]="${us[$from]}" rss[$key]="${rss[$from]}"
  return 0
}

# libtorch at its best (issue #13): OpenBLAS's kernels for this CPU, OpenMP's idle threads sleeping
# instead of spinning (with both OpenMP and OpenBLAS threads, spinning ones starve the others on 2
# cores), and glibc's malloc thresholds raised so that its large temporaries are not mapped and
# unmapped every step. Each is measured on and off (all on, and all on but that one) beside the
# library as it comes; the fastest run counts.
declare -A torch_setting=([passive]="OMP_WAIT_POLICY=PASSIVE"
                          [malloc]="MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=268435456")
if [ -n "$coretype" ]; then torch_setting[core]="OPENBLAS_CORETYPE=$coretype"; fi
torch_configs=("as is" "all")
for name in "${!torch_setting[@]}"; do torch_configs+=("all but $name"); done
# torch_env CONFIG: its environment arguments for env(1). OPENBLAS_CORETYPE is unset unless set
# here, so that "off" means OpenBLAS's own detection.
torch_env() {
  local config="$1" name
  echo -n "-u OPENBLAS_CORETYPE"
  if [ "$config" = "as is" ]; then return; fi
  for name in "${!torch_setting[@]}"; do
    if [ "$config" != "all but $name" ]; then echo -n " ${torch_setting[$name]}"; fi
  done
}

# The CPUs this script may run on, one per line, from the kernel's list ("0-1", "2,4-5"): not
# 0..nproc-1, which a cpuset or OMP_NUM_THREADS (which nproc follows) would make wrong.
allowed_cpus() {
  local range
  for range in $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status | tr ',' ' '); do
    seq "${range%-*}" "${range#*-}"
  done
}
mapfile -t cpus < <(allowed_cpus)

declare -A torch_best_config
started=$SECONDS
for w in "${workloads[@]}"; do
  for t in "${thread_counts[@]}"; do
    echo "running $w with $t thread(s) ..." >&2
    # The runs of one row follow each other, so that they see the same machine state, in rounds
    # of native, portable and one of libtorch's settings, as many rounds as libtorch has settings
    # (the round's order rotates), so that each of the three runs as often and a drift in the
    # machine's speed hits all alike. Each keeps its fastest run. 1-thread runs are pinned to the
    # usable CPUs in turn, so each program runs on every CPU: on this project's 2-core VMs one
    # virtual CPU was at times 1.66 times slower than the other for minutes (I1 1.84 µs a step on
    # one, 1.11 on the other, 2026-11-30), and unpinned a program could draw it in every round.
    for ((round = 0; round < ${#torch_configs[@]}; round++)); do
      config="${torch_configs[$round]}"
      cpu=${cpus[round % ${#cpus[@]}]}
      order=(native portable torch)
      order=("${order[@]:round % 3}" "${order[@]:0:round % 3}")
      for b in "${order[@]}"; do
        if [ "$b" = torch ]; then
          # shellcheck disable=SC2046  # torch_env's words are env's arguments
          record "torch $config/$w/$t" "$bin/torch_bench" "$w" "$t" $(torch_env "$config")
          if keep_faster "torch/$w/$t" "torch $config/$w/$t"; then torch_best_config[$w/$t]="$config"; fi
          continue
        fi
        dir="$build"
        if [ "$b" = portable ]; then dir="$portable"; fi
        record "$b$round/$w/$t" "$dir/bench/xtgrad_bench" "$w" "$t"
        keep_faster "$b/$w/$t" "$b$round/$w/$t" || true
      done
    done
  done
done
run_minutes=$(( (SECONDS - started + 30) / 60 ))
echo "measuring sgemm and copy peaks again ..." >&2
peak="$(higher_of "$peak" "$(measure_peaks)")"
# The best sgemm at N threads: any library at N threads or fewer (oneDNN's only when built with it).
# best_of "LABEL VALUE"...: prints "VALUE LABEL" for the largest VALUE.
best_of() { printf '%s\n' "$@" | awk 'NF == 2 && $2 ~ /^[0-9.]+$/ { print $2, $1 }' | sort -gr | head -n 1; }
declare -A sgemm_peak sgemm_peak_by
for t in 1 2; do
  candidates=("Eigen $(field eigen_gflops_1t "$peak")" "OpenBLAS $(field openblas_gflops_1t "$peak")"
              "oneDNN $(field onednn_gflops_1t "$peak")" "oneDNN-matmul $(field onednn_matmul_gflops_1t "$peak")")
  if [ "$t" = 2 ]; then
    candidates+=("OpenBLAS(2t) $(field openblas_gflops_2t "$peak")" "oneDNN(2t) $(field onednn_gflops_2t "$peak")"
                 "oneDNN-matmul(2t) $(field onednn_matmul_gflops_2t "$peak")")
  fi
  read -r sgemm_peak[$t] sgemm_peak_by[$t] <<<"$(best_of "${candidates[@]}")"
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

# W3: forward and backward of three linear layers, each ≈ 3 GEMMs of 2·batch·in·out FLOPs.
w3_flops=$((3 * 2 * 512 * (784 * 1024 + 1024 * 1024 + 1024 * 1)))
w3_flops_exact=$((2 * 512 * (3 * (1024 * 1024 + 1024 * 1) + 2 * 784 * 1024)))
# W5: 20 bytes per element (forward reads x, writes y: 8; backward reads y and the upstream
# gradient, writes x's gradient: 12), read + written, as xtgrad_peak counts a copy.
declare -A elements=([W5]=1000000 [W5s]=50000)
# summary BUILD_DIR: the build_summary() line an xtgrad_bench of that build wrote to the log.
summary() { awk -v dir="${1#"$repo"/}/" 'index($0, "== " dir) == 1 { p = 1; next } p && /^# xtgrad/ { sub(/^# /, ""); print; exit }' "$log"; }
impl_us() {  # impl_us IMPL WORKLOAD THREADS, IMPL in native, portable, torch
  echo "${us[$1/$2/$3]:-n/a}"
}

report() {
  echo "# xtgrad vs libtorch"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(nproc) cores (flags: $(grep -m1 -ow -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//'))."
  echo "Native build: $(summary "$build")."
  echo "Portable build (XTGRAD_NATIVE=OFF): $(summary "$portable")."
  echo "$(grep -m1 '^# libtorch' "$log" | sed 's/^# //;s/, intra-op.*//')" \
    "($(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null)), OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0 2>/dev/null)."
  echo "Load average (1, 5, 15 min) before the runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg). The runs took $run_minutes min."
  echo
  echo "Machine peaks (bench/peak.cpp, OPENBLAS_CORETYPE=${coretype:-unset}, detected core $(field openblas_core "$peak"); each the"
  echo "higher of two measurements, before the runs and after them):"
  echo "sgemm 512×1024×1024 in GFLOP/s: Eigen $(field eigen_gflops_1t "$peak") (1 thread);" \
    "OpenBLAS $(field openblas_gflops_1t "$peak") (1 thread), $(field openblas_gflops_2t "$peak") (2 threads);" \
    "oneDNN's sgemm $(field onednn_gflops_1t "$peak") (1 thread), $(field onednn_gflops_2t "$peak") (2 threads);" \
    "oneDNN's matmul primitive $(field onednn_matmul_gflops_1t "$peak") (1 thread), $(field onednn_matmul_gflops_2t "$peak")" \
    "(2 threads) (blank: not built with oneDNN)."
  echo "The peak is the best of these: ${sgemm_peak[1]} (${sgemm_peak_by[1]}) at 1 thread, ${sgemm_peak[2]} (${sgemm_peak_by[2]}) at 2."
  echo "Copy bandwidth in GB/s (bytes read + written): at W5's size (four arrays of 1,000,000 floats)" \
    "$(field copy_gbps_w5_1t "$peak") (1 thread), $(field copy_gbps_w5_2t "$peak") (2 threads); at W5s's size (50,000)" \
    "$(field copy_gbps_w5s_1t "$peak"), $(field copy_gbps_w5s_2t "$peak"); memory, beyond the caches" \
    "(two buffers of $(field memory_copy_mb "$peak") MB, 1 thread): $(field memory_gbps "$peak")."
  echo
  echo "| workload | threads | xtgrad native µs | xtgrad portable µs | portable speed / native | libtorch µs (as is) | libtorch µs (best) | libtorch's best settings | speed-up vs best | xtgrad peak RSS MB | libtorch peak RSS MB |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"
  for w in "${workloads[@]}"; do
    for t in "${thread_counts[@]}"; do
      local x="${us[native/$w/$t]}" p="${us[portable/$w/$t]}" a="${us[torch as is/$w/$t]}" b="${us[torch/$w/$t]}"
      echo "| $w | $t | $x | $p | $(calc "%.2f" "x / p" x="$x" p="$p") | $a | $b | ${torch_best_config[$w/$t]:-} |" \
        "$(calc "%.2f×" "b / x" b="$b" x="$x") | $(mb "${rss[native/$w/$t]}") | $(mb "${rss[torch/$w/$t]}") |"
    done
  done
  echo
  echo "µs = median over 5 repetitions of the time per step; each of native, portable and libtorch the fastest of"
  echo "its ${#torch_configs[@]} runs, one per round of the three (order rotating; 1-thread runs pinned to CPUs ${cpus[*]} in turn)."
  echo "portable speed / native = native µs / portable µs"
  echo "(1.00: as fast). libtorch (best) = its fastest run of: as it comes (OPENBLAS_CORETYPE unset), with all of"
  echo "$(for n in "${!torch_setting[@]}"; do echo -n "${torch_setting[$n]} ($n), "; done | sed 's/, $//'),"
  echo "and with all of them but one, for each; the settings column names the fastest. speed-up = libtorch (best) /"
  echo "xtgrad (native): above 1, xtgrad is faster. Threads: xtgrad set_num_threads(N) (products of 32M+ multiply-adds"
  echo "and loops over 2^18+ floats); libtorch at::set_num_threads(N) and OpenBLAS's thread count. libtorch's peak RSS"
  echo "is from its fastest run."
  echo
  echo "W3 as a fraction of the sgemm peak (the best library at that thread count, above), with"
  echo "step FLOPs = 3 × 2 × batch × (784·1024 + 1024·1024 + 1024·1) = 3 × 2 × 512 × 1852416 = $w3_flops."
  echo "That counts every layer's input gradient; neither library computes the first layer's, so the GEMMs"
  echo "actually run are $w3_flops_exact FLOPs: the last column counts only those. \"W3's GEMMs alone\" is"
  echo "those eight products without the rest of the step (bench/gemm_shootout.cpp --only \"W3 \": each at its"
  echo "best of 20 rounds through xtgrad's gemm, their FLOPs summed over their times summed)."
  echo
  echo "| threads | impl | GFLOP/s | fraction of sgemm peak | counting only the GEMMs run |"
  echo "| ---: | --- | ---: | ---: | ---: |"
  for t in "${thread_counts[@]}"; do
    echo "| $t | W3's GEMMs alone, xtgrad native | $(field "w3_gemm_gflops_${t}t" "$peak") | |" \
      "$(calc "%.2f" "g / p" g="$(field "w3_gemm_gflops_${t}t" "$peak")" p="${sgemm_peak[$t]}") |"
    for impl in native portable torch; do
      local u
      u="$(impl_us "$impl" W3 "$t")"
      echo "| $t | ${impl/torch/libtorch (best)} | $(calc "%.1f" "f / (u * 1e3)" f="$w3_flops" u="$u") |" \
        "$(calc "%.2f" "f / (u * 1e3) / p" f="$w3_flops" u="$u" p="${sgemm_peak[$t]}") |" \
        "$(calc "%.2f" "f / (u * 1e3) / p" f="$w3_flops_exact" u="$u" p="${sgemm_peak[$t]}") |"
    done
  done
  echo
  echo "W5 and W5s as a fraction of the copy bandwidth at their own size and thread count (above), with"
  echo "20 bytes read + written per element per step (forward reads x and writes y: 8 B; backward reads y"
  echo "and the upstream gradient and writes x's gradient: 12 B), counted as the copy's bytes are. The copy"
  echo "uses four arrays of the workload's size, as the workload does, so both run from the same level of"
  echo "the memory hierarchy; a fraction above 1 would mean a count is wrong."
  echo
  echo "| workload | threads | impl | GB/s | fraction of copy bandwidth |"
  echo "| --- | ---: | --- | ---: | ---: |"
  for w in W5 W5s; do
    local bytes=$((20 * elements[$w])) key="copy_gbps_${w,,}"
    for t in "${thread_counts[@]}"; do
      for impl in native portable torch; do
        local u
        u="$(impl_us "$impl" "$w" "$t")"
        echo "| $w | $t | ${impl/torch/libtorch (best)} | $(calc "%.1f" "y / (u * 1e3)" y="$bytes" u="$u") |" \
          "$(calc "%.2f" "y / (u * 1e3) / m" y="$bytes" u="$u" m="$(field "${key}_${t}t" "$peak")") |"
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
