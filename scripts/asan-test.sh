#!/usr/bin/env bash
# Builds sgz with AddressSanitizer and UndefinedBehaviorSanitizer
# (SGZ_SANITIZE=ON) into build-asan/ and runs the whole ctest suite there,
# including the fuzz corpus replays. Extra arguments go to ctest
# (e.g. -R fuzz_replay).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# -g1: line tables for the sanitizers' reports, without the full debug
# information that made this build a third slower.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  -DSGZ_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
cd build-asan
# Tests that bound memory print it instead (see tests/cli_test_lib.sh).
export SGZ_SANITIZED=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --output-on-failure -j"$(nproc)" "$@"
