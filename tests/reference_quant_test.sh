#!/usr/bin/env bash
# The reference reader's quantizers (format-spec/reference/sgzref/quant*.py, written from
# format-spec/quantizers.md) are bit-exact with sgz's C++ ones and with the corpus:
# 1. every block of the tiny family make_family --variants writes (every type, the three
#    roundings, every K type with the importance), quantized and predicted from its
#    stored scales in Python, equals the C++ quantizer's;
# 2. a sample of the blocks of every quantized type of every member of the corpus's zoo/
#    (the imatrix member with esrgan-zoo.imatrix.gguf, zoo-fma/ with the fma rounding),
#    re-quantized in Python from the BF16 parent, equals the file's.
# Exit 77 (skip) without the corpus once part 1 passed, unless CI=true.
set -u
MAKE_FAMILY=$1
SRC=$2
CORPUS=${SGZ_CORPUS:-$SRC/../shared/corpus}
# shellcheck source=tests/reference_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/reference_test_lib.sh"
"$MAKE_FAMILY" "$T" --variants || { echo "FAIL: make_family"; exit 1; }
"$PY" "$REF/test_quant_family.py" "$T" || fail test_quant_family.py
[ -d "$CORPUS/zoo" ] || { [ "$fails" = 0 ] || exit 1; skip "corpus zoo/ not found at $CORPUS (set SGZ_CORPUS); the family passed"; }
"$PY" "$REF/test_quant_zoo.py" "$CORPUS" "${QUANT_ZOO_BLOCKS:-48}" || fail test_quant_zoo.py
[ "$fails" = 0 ]
