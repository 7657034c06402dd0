#!/usr/bin/env bash
# Builds the libFuzzer targets (ASan + UBSan) into build-fuzz/ at the repository root and runs
# each for SECONDS (default 60) from a scratch copy of its seed corpus. Prints the executions
# each reached; exits non-zero when any target found a crash, leak, timeout or out-of-memory.
#   tests/fuzz/run_fuzzers.sh [SECONDS]      JOBS=2 sets the build's parallelism
set -euo pipefail

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$fuzz_dir/../.." && pwd)
build=$repo/build-fuzz
started=$SECONDS

# clang and its runtimes (libFuzzer, the sanitizers); the library's own dependencies come from
# tools/install_deps.sh.
if ! command -v clang++ >/dev/null || ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
  sudo=; [[ $(id -u) -eq 0 ]] || sudo=sudo
  echo "== installing clang and libclang-rt-14-dev"
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -q clang libclang-rt-14-dev
fi

echo "== building into $build"
cmake -S "$fuzz_dir" -B "$build" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build" -j "${JOBS:-2}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/xtgrad-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
findings=$build/findings  # this run's failing inputs and logs (emptied first)
rm -rf "$findings"
mkdir -p "$findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=0
summary=()
for spec in "weights json.dict 65536" "model json.dict 65536" "csv csv.dict 16384" "checkpoint json.dict 65536"; do
  read -r name dict max_len <<<"$spec"
  target=fuzz_$name
  work=$scratch/$name
  mkdir -p "$work/artifacts"
  cp -R "$fuzz_dir/corpus/$name" "$work/corpus"  # libFuzzer adds what it finds to this copy
  echo "== $target: $seconds s"
  status=0
  "$build/$target" "$work/corpus" -dict="$fuzz_dir/$dict" -max_len="$max_len" -max_total_time="$seconds" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    >"$work/log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  artifacts=$(find "$work/artifacts" -type f | wc -l)
  if [[ $status -eq 0 && $artifacts -eq 0 ]]; then
    result="no crash"
  else
    failed=1
    result="FOUND A PROBLEM (exit $status)"
    grep -E '^==xtgrad-fuzz==|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' "$work/log" | head -n 5 || true
    cp "$work/log" "$findings/$target.log"
    for a in "$work/artifacts"/*; do
      [[ -f $a ]] || continue
      cp "$a" "$findings/$target-$(basename "$a")"
      echo "   input saved as $findings/$target-$(basename "$a")"
    done
    echo "   log saved as $findings/$target.log"
  fi
  summary+=("$(printf '%-13s %10s executions  %s' "$target" "${executions:-?}" "$result")")
done

echo "== summary ($seconds s per target, $((SECONDS - started)) s in all)"
printf '%s\n' "${summary[@]}"
exit $failed
