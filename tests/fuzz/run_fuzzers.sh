#!/usr/bin/env bash
# Builds the libFuzzer targets (ASan + UBSan) into build-fuzz/ at the repository root (or takes
# them from FUZZ_BUILD) and runs each for SECONDS (default 60) from a scratch copy of its seed
# corpus. Prints the executions each reached; exits non-zero when any target found a crash, leak,
# timeout or out-of-memory.
#   tests/fuzz/run_fuzzers.sh [SECONDS]      JOBS=2 sets the build's parallelism, PARALLEL=2 how
#                                            many targets fuzz at once (default: one per core),
#   XTGRAD_WARNINGS_AS_ERRORS=ON makes a compiler warning fail the build,
#   FUZZ_BUILD=DIR runs the targets already built in DIR instead (a build of the repository
#                  configured with -DXTGRAD_BUILD_FUZZERS=ON: CI's sanitizer build)
set -euo pipefail

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$fuzz_dir/../.." && pwd)
build=$repo/build-fuzz
if [[ -n ${FUZZ_BUILD:-} ]]; then build=$(cd "$FUZZ_BUILD" && pwd); fi
started=$SECONDS
# Each target (fuzz_NAME) with its dictionary and largest input in bytes.
specs=("weights json.dict 65536" "model json.dict 65536" "csv csv.dict 16384" "checkpoint json.dict 65536")

if [[ -n ${FUZZ_BUILD:-} ]]; then
  for spec in "${specs[@]}"; do
    name=${spec%% *}
    [[ -x $build/fuzz_$name ]] || { echo "FUZZ_BUILD=$build has no fuzz_$name: configure it with -DXTGRAD_BUILD_FUZZERS=ON" >&2; exit 2; }
  done
  echo "== the targets built in $build"
else
  # clang and its runtimes (libFuzzer, the sanitizers); the library's own dependencies come from
  # tools/install_deps.sh.
  if ! command -v clang++ >/dev/null || ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
    sudo=; [[ $(id -u) -eq 0 ]] || sudo=sudo
    echo "== installing clang and libclang-rt-14-dev"
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -q clang libclang-rt-14-dev
  fi
  echo "== building into $build"
  cmake -S "$fuzz_dir" -B "$build" -DCMAKE_CXX_COMPILER=clang++ \
    -DXTGRAD_WARNINGS_AS_ERRORS="${XTGRAD_WARNINGS_AS_ERRORS:-OFF}" >/dev/null
  cmake --build "$build" -j "${JOBS:-2}"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/xtgrad-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
findings=$build/findings  # this run's failing inputs and logs (emptied first)
rm -rf "$findings"
mkdir -p "$findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# What a fuzzer process itself holds under ASan before any input counts: shadow memory, libFuzzer's
# corpus and tables, and ASan's quarantine of freed blocks (capped here at 64 MB instead of 256 MB,
# so the limit below stays close to what the inputs may use). Measured: 142-145 MB at the end
# of 30 s per target, 151 MB after 150 s of fuzz_model; 256 leaves room for a longer run's growing corpus.
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=64"
fuzzer_footprint_mb=256

# fuzz_one NAME DICT MAX_LEN: one target for $seconds s; writes its summary line to $scratch/NAME/result
# and what a failure left (the first sanitizer lines, where its input and log were saved) to
# $scratch/NAME/report, printed in order once every target has finished.
fuzz_one() {
  local name=$1 dict=$2 max_len=$3
  local target=fuzz_$name work=$scratch/$name
  mkdir -p "$work/artifacts"
  cp -R "$fuzz_dir/corpus/$name" "$work/corpus"  # libFuzzer adds what it finds to this copy
  : >"$work/report"
  # The allocation bounds docs/guide.md states ("Loading untrusted files"): no single allocation
  # above 16 bytes per byte of input (libFuzzer counts whole MB and fails at the limit, so the
  # first whole MB above it), and at most 40 bytes per byte in all, on top of the fuzzer's own
  # footprint under ASan.
  local malloc_limit_mb=$(( ((max_len * 16) >> 20) + 1 ))
  local rss_limit_mb=$(( fuzzer_footprint_mb + ((max_len * 40 + (1 << 20) - 1) >> 20) ))
  echo "== $target: $seconds s (-malloc_limit_mb=$malloc_limit_mb -rss_limit_mb=$rss_limit_mb)"
  local status=0
  "$build/$target" "$work/corpus" -dict="$fuzz_dir/$dict" -max_len="$max_len" -max_total_time="$seconds" \
    -malloc_limit_mb="$malloc_limit_mb" -rss_limit_mb="$rss_limit_mb" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" >"$work/log" 2>&1 || status=$?
  local executions artifacts result
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  artifacts=$(find "$work/artifacts" -type f | wc -l)
  if [[ $status -eq 0 && $artifacts -eq 0 ]]; then
    result="no crash"
  else
    result="FOUND A PROBLEM (exit $status)"
    {
      echo "== $target found a problem:"
      grep -E '^==xtgrad-fuzz==|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' "$work/log" | head -n 5 || true
      cp "$work/log" "$findings/$target.log"
      for a in "$work/artifacts"/*; do
        [[ -f $a ]] || continue
        cp "$a" "$findings/$target-$(basename "$a")"
        echo "   input saved as $findings/$target-$(basename "$a")"
      done
      echo "   log saved as $findings/$target.log"
    } >"$work/report"
  fi
  printf '%-13s %10s executions  %s\n' "$target" "${executions:-?}" "$result" >"$work/result"
}

# PARALLEL targets at once (default: one per core), each a single-threaded libFuzzer process
# with the same $seconds of its own: on CI's 2 cores the 4 targets take 2 x 30 s instead of 4 x 30 s.
parallel=${PARALLEL:-$(nproc)}
[[ $parallel =~ ^[0-9]+$ && $parallel -gt 0 ]] || { echo "PARALLEL must be a positive number" >&2; exit 2; }
names=()
for spec in "${specs[@]}"; do
  read -r name dict max_len <<<"$spec"
  names+=("$name")
  while (( $(jobs -rp | wc -l) >= parallel )); do
    wait -n || true
  done
  fuzz_one "$name" "$dict" "$max_len" &
done
wait

failed=0
summary=()
for name in "${names[@]}"; do
  if [[ ! -s $scratch/$name/result ]]; then
    failed=1
    summary+=("$(printf '%-13s %10s executions  %s' "fuzz_$name" "?" "DID NOT FINISH")")
    continue
  fi
  cat "$scratch/$name/report"
  grep -q 'no crash$' "$scratch/$name/result" || failed=1
  summary+=("$(cat "$scratch/$name/result")")
done

echo "== summary ($seconds s per target, $((SECONDS - started)) s in all)"
printf '%s\n' "${summary[@]}"
exit $failed
