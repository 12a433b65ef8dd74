#!/usr/bin/env bash
# Builds sgz and runs the whole test suite: unit, round-trip, corpus and CLI
# tests with fuzz-corpus replays (build/), the same suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), and every
# libFuzzer target for SGZ_FUZZ_SECONDS each (default 30; build-fuzz/).
# Ends with one line "all: N passed, M failed" (any failure stops it earlier
# with a non-zero exit).
set -euo pipefail
cd "$(dirname "$0")/.."
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
bash scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)") | tee -a "$LOG"
echo "== the suite again under ASan + UBSan"
bash scripts/asan-test.sh | tee -a "$LOG"
echo "== fuzz smoke: every target for ${SGZ_FUZZ_SECONDS:-30} s"
bash scripts/fuzz.sh "${SGZ_FUZZ_SECONDS:-30}" | tee -a "$LOG"
tests=$(awk '/tests passed, .* tests failed out of/ {s += $NF} END {print s + 0}' "$LOG")
fuzzed=$(grep -c ' execs, ' "$LOG" || true)
echo "all: $((tests + fuzzed)) passed, 0 failed"
