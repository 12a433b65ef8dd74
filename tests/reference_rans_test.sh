#!/usr/bin/env bash
# The reference reader's rans decoder (format-spec/reference/sgzref/rans.py, written
# from the spec's "Codec 2: rans") decodes the streams sgz's C++ encoder writes
# (rans_samples: every length around the lane count, one table and five, each
# precision) to the bytes coded, and rejects damaged ones.
set -u
SAMPLES=$1
SRC=$2
# shellcheck source=tests/reference_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/reference_test_lib.sh"
"$SAMPLES" "$T" || { echo "FAIL: rans_samples"; exit 1; }
"$PY" "$REF/selftest_rans.py" "$T" || fail selftest_rans.py
[ "$fails" = 0 ]
