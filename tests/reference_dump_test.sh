#!/usr/bin/env bash
# A part of the reference reader written from the spec against sgz's C++: GENERATOR
# (a test program) writes samples made by the C++ into a directory, and SELFTEST (a
# script of format-spec/reference/) must read them as the C++ does.
#   reference_rans:     rans_samples + selftest_rans.py: the reference's rans decoder
#                       (sgzref/rans.py, "Codec 2: rans") decodes the C++ encoder's
#                       streams (every length around the lane count, one table and
#                       five, each precision) and rejects damaged ones;
#   reference_ctxsplit: ctxsplit_dump + selftest_ctxsplit.py: the reference's transform
#                       5 (sgzref/ctxsplit.py) splits, joins and computes contexts as
#                       src/streams/context_split.cc does, on random chunks of the
#                       types with a rule and two without, hostile K-quant headers too.
# usage: reference_dump_test.sh GENERATOR SELFTEST SOURCE_DIR
set -u
GENERATOR=$1
SELFTEST=$2
SRC=$3
# shellcheck source=tests/reference_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/reference_test_lib.sh"
"$GENERATOR" "$T" || { echo "FAIL: $(basename "$GENERATOR")"; exit 1; }
"$PY" "$REF/$SELFTEST" "$T" || fail "$SELFTEST"
[ "$fails" = 0 ]
