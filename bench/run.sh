#!/usr/bin/env bash
# Compares sgz with whole-file zstd -3/-19 and the published per-stream zstd -19
# method on GGUF files, in one run on this machine: ratio, pack and unpack MB/s,
# time to extract the largest tensor, peak RSS (see bench/sgz_bench.cc).
# Writes Markdown to stdout and to bench/results-<date>.md.
#
# usage: bench/run.sh [SGZ_BENCH_OPTIONS...] [FILES...]
#   options are passed to sgz_bench: -R REPS (5), -t THREADS (2), -l LEVELS (1,3,9,19),
#   -m METHODS (zstd,streams,sgz)
#   default files: $SGZ_CORPUS/llm-mix/esrgan-thick-llm-mix-{Q4_K_M,BF16}.gguf
#   (SGZ_CORPUS defaults to ../shared/corpus); build directory: $SGZ_BENCH_BUILD (build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CORPUS=${SGZ_CORPUS:-../shared/corpus}
BUILD=${SGZ_BENCH_BUILD:-build-bench}

opts=()
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -R|-t|-l|-m) [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; }
                 opts+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  files=("$CORPUS/llm-mix/esrgan-thick-llm-mix-Q4_K_M.gguf" "$CORPUS/llm-mix/esrgan-thick-llm-mix-BF16.gguf")
fi
for f in "${files[@]}"; do
  [ -r "$f" ] || { echo "run.sh: cannot read $f" >&2; exit 1; }
done

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSGZ_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target sgz_bench -j"$(nproc)" >/dev/null ||
  { echo "run.sh: building sgz_bench failed (is add_subdirectory(bench) in CMakeLists.txt?)" >&2; exit 1; }

OUT=$ROOT/bench/results-$(date +%Y-%m-%d).md
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT

set +e
{
  echo "# sgz benchmark, $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  echo "Command: \`bench/run.sh${opts[*]:+ ${opts[*]}} ${files[*]}\`"
  echo
  echo "## Machine"
  echo
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "- cores: $(nproc) available to this process; lscpu: $(lscpu | sed -n 's/^CPU(s): *//p' | head -1) CPU(s)," \
       "$(lscpu | sed -n 's/^Thread(s) per core: *//p' | head -1) thread(s) per core"
  echo "- memory: $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "- kernel: $(uname -sr)"
  echo "- compiler: $(sed -n 's/^CMAKE_CXX_COMPILER:[^=]*=//p' "$BUILD/CMakeCache.txt"), CMAKE_BUILD_TYPE=Release"
  rev=$(git -C "$ROOT/bench" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$ROOT/bench" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    rev="$rev + uncommitted changes"
  fi
  echo "- sgz source: $rev"
  "$BUILD/sgz_bench" "${opts[@]}" "${files[@]}"
} | tee "$TMP"
# Keep the results only if the run completed (a mismatch aborts it).
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "run.sh: benchmark failed (exit $status); $OUT not written" >&2
  exit "$status"
fi
cat "$TMP" > "$OUT"
echo "run.sh: wrote $OUT" >&2
