#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, build-fuzz/) and runs each
# for SECONDS (default 60), one at a time, over a scratch copy of its seed
# corpus (fuzz/corpus/<target>, plus fuzz/regressions/<target>); the committed
# corpus is never grown. A crash, leak, timeout or over-allocation leaves the
# input in fuzz/regressions/<target>/ (replayed by ctest from then on) and
# makes the script fail after the remaining targets have run.
#
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# Environment: SGZ_FUZZ_SOURCE_DIR overrides the CMake source directory (for a
# tree whose top-level CMakeLists.txt is not this one); SGZ_FUZZ_KEEP=1 keeps
# the scratch directory with the logs and the grown corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_PER_TARGET=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_gguf_reader fuzz_archive_reader fuzz_stream_decode fuzz_roundtrip fuzz_predict fuzz_rans fuzz_context_split fuzz_http_reply)
SRC=${SGZ_FUZZ_SOURCE_DIR:-$ROOT}

if ! grep -q '^ *add_subdirectory(fuzz)' "$SRC/CMakeLists.txt"; then
  echo "fuzz.sh: $SRC/CMakeLists.txt does not add_subdirectory(fuzz)" >&2
  exit 1
fi
bash scripts/install-deps.sh
cmake -S "$SRC" -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSGZ_FUZZ=ON -DSGZ_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${TARGETS[@]}" >/dev/null

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/sgz-fuzz.XXXXXX")
if [ "${SGZ_FUZZ_KEEP:-0}" = 1 ]; then
  echo "scratch directory: $SCRATCH"
else
  trap 'rm -rf "$SCRATCH"' EXIT
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
for t in "${TARGETS[@]}"; do
  corpus=$SCRATCH/$t/corpus
  artifacts=$SCRATCH/$t/artifacts
  log=$SCRATCH/$t/fuzz.log
  mkdir -p "$corpus" "$artifacts"
  cp -r "fuzz/corpus/$t/." "$corpus/"
  [ -d "fuzz/regressions/$t" ] && cp -r "fuzz/regressions/$t/." "$corpus/"
  echo "== $t: ${SECONDS_PER_TARGET}s"
  rc=0
  "build-fuzz/fuzz/$t" "$corpus" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=1024 -malloc_limit_mb=512 \
    -timeout=30 -dict=fuzz/sgz.dict -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || rc=$?

  # Final stats: executions and speed from -print_final_stats, coverage from
  # the last status line.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  status=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' || true)
  echo "$t: ${execs:-?} execs, ${speed:-?} exec/s, ${status:-cov: ?}, peak rss ${rss:-?} MB"

  found=$(find "$artifacts" -type f | sort)
  if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
    mkdir -p "fuzz/regressions/$t"
    for f in $found; do
      cp "$f" "fuzz/regressions/$t/"
      echo "$t: saved fuzz/regressions/$t/$(basename "$f")"
    done
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 || true
    echo "$t: FAILED (exit $rc); log: $log" >&2
    failed+=("$t")
    SGZ_FUZZ_KEEP=1
    trap - EXIT
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failures in ${failed[*]} (logs kept in $SCRATCH)" >&2
  exit 1
fi
echo "fuzz.sh: all targets ran clean"
