#!/usr/bin/env bash
# Builds sgz and runs the whole test suite (unit, round-trip, corpus, CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)"
