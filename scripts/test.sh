#!/usr/bin/env bash
# Builds sgz and runs the whole test suite: unit, round-trip, corpus and CLI
# tests with fuzz-corpus replays (build/), the same suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), and every
# libFuzzer target for SGZ_FUZZ_SECONDS each (default 60; build-fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
echo "== the suite again under ASan + UBSan"
bash scripts/asan-test.sh
echo "== fuzz smoke: every target for ${SGZ_FUZZ_SECONDS:-60} s"
bash scripts/fuzz.sh "${SGZ_FUZZ_SECONDS:-60}"
