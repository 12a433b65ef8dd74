#!/usr/bin/env bash
# The reference reader's transform 5 (format-spec/reference/sgzref/ctxsplit.py, written
# from the spec) against sgz's C++ (src/streams/context_split.cc): random chunks of the
# types with a rule and two without, hostile K-quant headers included, written by
# ctxsplit_dump; the Python split, join and contexts must equal the C++ ones.
set -u
DUMP=$1
SRC=$2
# shellcheck source=tests/reference_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/reference_test_lib.sh"
"$DUMP" "$T" || { echo "FAIL: ctxsplit_dump"; exit 1; }
"$PY" "$REF/selftest_ctxsplit.py" "$T" || fail selftest_ctxsplit.py
[ "$fails" = 0 ]
