#!/usr/bin/env bash
# The reference reader decodes transform 4 (predict, format 2.3):
# 1. selftest_predict.py: predicted chunks built in Python from the spec (every type, with
#    and without SCALES, IMPORTANCE, scale misses) restore, and each rejection rule holds;
# 2. end to end: the tiny family of make_family (no corpus), packed by sgz at the default
#    options and with --max (fixtures/gen/make_family_archives.sh 2.5: also transform 5
#    and codec 2, parents of transform 5, and by default Q6_K with ESTIMATE), restores byte for byte
#    through the reference reader, and the archives hold predicted chunks of every type.
# EXPECT_SCALES=1 also requires chunks with the SCALES and IMPORTANCE flags in the --max
# archive: turn it on once the writer predicts scales (the merge of branch predict-scales);
# until then --max writes only SCALES-less predicted chunks and the count is printed.
set -u
SGZ=$1
MAKE_FAMILY=$2
SRC=$3
EXPECT_SCALES=${EXPECT_SCALES:-1}
# shellcheck source=tests/reference_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/reference_test_lib.sh"

"$PY" "$REF/selftest_predict.py" || fail selftest_predict

bash "$SRC/fixtures/gen/make_family_archives.sh" 2.5 "$SGZ" "$MAKE_FAMILY" "$T" || fail make_family_archives.sh
for a in family family-max; do
  [ -e "$T/$a.sgz" ] || { fail "$a.sgz not written"; continue; }
  mkdir "$T/out-$a"
  if "$PY" "$REF/sgz_reader.py" "$T/$a.sgz" -C "$T/out-$a"; then
    for f in "$T"/family/*.gguf; do
      cmp -s "$f" "$T/out-$a/$(basename "$f")" || fail "$a.sgz: $(basename "$f") differs"
    done
  else
    fail "the reference reader refused $a.sgz"
  fi
  # Which predicted chunks the archive holds: every predicted type, and the flags.
  REF=$REF "$PY" - "$T/$a.sgz" "$a" "$EXPECT_SCALES" <<'PYEOF' || fail "$a.sgz: predicted chunks"
import os, sys
sys.path.insert(0, os.environ["REF"])
from sgzref.archive import Archive
from sgzref.quant import TYPES
path, name, expect_scales = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
a = Archive(path)
types, flags = set(), {0: 0, 1: 0, 3: 0, 4: 0}
for entry in a.chunks:
    if entry["transform"] != 4:
        continue
    types.add(entry["type"])
    raw = a.read(entry["file_offset"], entry["stored_size"])
    at = 24 + 12 * entry["stream_count"]  # stream 0 (stored) follows the descriptors
    assert raw[at] == 1, f"parameter version {raw[at]}"
    f = raw[at + 3]
    flags[f] = flags.get(f, 0) + 1
print(f"{name}: predicted chunks by flags {flags}, types {sorted(types)}")
missing = set(TYPES) - types
assert not missing, f"no predicted chunk of type {sorted(missing)}"
if name == "family":
    assert flags[4], "no ESTIMATE chunk in the default archive"
if name == "family-max" and expect_scales:
    assert flags[1] and flags[3], "no SCALES or no IMPORTANCE chunk in the --max archive"
PYEOF
done
echo "reference_predict: $fails failed"
[ "$fails" = 0 ]
