#!/usr/bin/env bash
# Transform 4 "predict" (format 2.3) on the corpus zoo: the quantized members'
# tensors stored as residuals against the quants predicted
# from the BF16 parent; every member byte-exact together, alone and through a
# pipe; a damaged parent chunk fails its dependents with a named error and
# leaves the other members readable. Without a corpus: exit 77 (Skipped).
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
need_corpus "$SRC" zoo
ZOO=$CORPUS/zoo
# unpacks_zoo_piped NAME ARCHIVE: unpacks_zoo (cli_test_lib.sh), and unpack - -C
# through a pipe restores the zoo too.
unpacks_zoo_piped() {
  unpacks_zoo "$1" "$2"
  mkdir "$T/$1-s"
  check "$1 unpack - -C" 0 sh -c '"$1" unpack - -C "$2" < "$3"' sh "$SGZ" "$T/$1-s" "$2"
  zoo_restored "$1 unpack - -C" "$T/$1-s"
}
check pack 0 "$SGZ" pack -q --stats --bytes "$ZOO" -o "$T/zoo.sgz"
cp "$T/out" "$T/stats"
check pack-no-predict 0 "$SGZ" pack -q --no-predict "$ZOO" -o "$T/plain.sgz"
a=$(stat -c %s "$T/zoo.sgz") b=$(stat -c %s "$T/plain.sgz")
# Measured: 6,363,986 against 27,175,637 bytes; the BF16 member alone 5,095,710.
[ "$a" -lt $((b / 3)) ] && ok || fail "predicted zoo $a bytes, not below a third of $b"
run "$SGZ" info "$T/zoo.sgz"
# 2.5: the members are coded with transform 5 and codec 2 as well, and the
# Q6_K blocks' scales against their estimate.
grep -q "sgz format 2.5" "$T/out" && ok || fail "predicted archive not format 2.5" "$T/out"
run "$SGZ" info "$T/plain.sgz"
grep -q "sgz format 2.4" "$T/out" && ok || fail "--no-predict archive not format 2.4" "$T/out"
check pack-23-no-predict 0 "$SGZ" pack -q --no-predict --format 2.3 "$ZOO" -o "$T/plain23.sgz"
run "$SGZ" info "$T/plain23.sgz"
grep -q "sgz format 2.2" "$T/out" && ok || fail "--no-predict --format 2.3 archive not format 2.2" "$T/out"
# Every predicted quant stream hits on the zoo: a few bytes per chunk.
for s in pred.Q4_0.qs pred.Q8_0.qs pred.Q2_K.qs pred.Q3_K.hmask pred.Q3_K.qs pred.Q4_K.qs pred.Q5_K.qh pred.Q5_K.qs \
         pred.Q6_K.ql pred.Q6_K.qh pred.F16.value.b0 pred.F16.value.b1; do
  stored=$(awk -v s="$s" '$1 == s { print $3 }' "$T/stats")
  [ -n "$stored" ] && [ "$stored" -lt 4096 ] && ok || fail "stream $s stored '${stored}' bytes" "$T/stats"
done

check verify 0 "$SGZ" verify "$T/zoo.sgz"
check verify-stream 0 sh -c '"$1" verify - < "$2"' sh "$SGZ" "$T/zoo.sgz"

unpacks_zoo_piped default "$T/zoo.sgz"
# One predicted tensor: its chunk and its parent's, nothing else.
check cat-stats 0 "$SGZ" cat "$T/zoo.sgz" zoo/esrgan-zoo-Q8_0.gguf blk.1.ffn_down.weight -o "$T/t" --stats
grep -q "decoded 2 of" "$T/err" && ok || fail "cat of a predicted tensor decodes other than 2 chunks" "$T/err"

# A damaged parent chunk: BF16's blk.1.ffn_down.weight (about 2 MB into the
# archive, whose first member is BF16), which the Q8_0 member's tensor of
# that name is predicted from.
cp "$T/zoo.sgz" "$T/bad.sgz"
printf '\xff\xff\xff\xff' | dd of="$T/bad.sgz" bs=1 seek=2000000 conv=notrunc 2>/dev/null
check damaged-q8 2 "$SGZ" unpack "$T/bad.sgz" zoo/esrgan-zoo-Q8_0.gguf -o "$T/q8"
# The damage is found by the parent's checksum or, in a rans stream, by the
# coder's own checks (its words do not end where its states say).
grep -Eq "tensor 'blk.1.ffn_down.weight'\): its parent chunk [0-9]*: chunk [0-9]* \(file 'zoo/esrgan-zoo-BF16.gguf', tensor 'blk.1.ffn_down.weight'\): (decoded bytes do not match the chunk checksum|stream [0-9]+: rans stream: )" "$T/err" &&
  ok || fail "damaged parent: message" "$T/err"
[ ! -e "$T/q8" ] && ok || fail "damaged parent: partial output left"
# What does not need the damaged chunk still reads: the imatrix member (not
# predicted), and another tensor of the Q8_0 member.
check damaged-imatrix 0 "$SGZ" unpack "$T/bad.sgz" zoo/esrgan-zoo.imatrix.gguf -o "$T/im"
same "imatrix beside a damaged parent" "$ZOO/esrgan-zoo.imatrix.gguf" "$T/im"
run "$SGZ" ls "$T/zoo.sgz" zoo/esrgan-zoo-Q8_0.gguf --json
read -r off size < <(/usr/bin/python3 -c 'import json,sys
t = [x for x in json.load(sys.stdin)["tensors"] if x["name"] == "output.weight"][0]
print(t["offset"], t["size"])' < "$T/out")
check damaged-cat 0 "$SGZ" cat "$T/bad.sgz" zoo/esrgan-zoo-Q8_0.gguf output.weight -o "$T/ow"
tail -c +$((off + 1)) "$ZOO/esrgan-zoo-Q8_0.gguf" | head -c "$size" > "$T/ow.want"
same "Q8_0 output.weight beside a damaged parent" "$T/ow.want" "$T/ow"
check damaged-stream 2 sh -c '"$1" unpack - zoo/esrgan-zoo-Q8_0.gguf -o "$2" < "$3"' sh "$SGZ" "$T/q8s" "$T/bad.sgz"
grep -Eq "checksum|rans stream" "$T/err" && ok || fail "damaged parent through a pipe: message" "$T/err"

# Hostile parameters of a predicted chunk (its stream 0, stored as it is):
# each refused with a named error, never decoded past the parent's bytes.
# patch KIND: a copy of zoo.sgz whose first predicted chunk of the Q8_0
# member has one parameter changed.
patch() {
  /usr/bin/python3 - "$T/zoo.sgz" "$T/hostile.sgz" "$1" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
at = 0
while True:
    at = data.index(b"SGZC", at + 1)
    # transform 4, type 8 (Q8_0)
    if data[at + 4] == 4 and struct.unpack_from("<I", data, at + 8)[0] == 8:
        break
params = at + 24 + 12 * data[at + 5]
# Default preset: Q8_0's scales predicted (flags 1, SCALES).
assert data[params:params + 4] == b"\x01\x00\x1e\x01", data[params:params + 4]
kind = sys.argv[3]
if kind == "rounding":
    data[params + 1] = 9
elif kind == "parent-later":
    struct.pack_into("<I", data, params + 4, 0xFFFFFF)
elif kind == "offset":
    struct.pack_into("<I", data, params + 8, 0xFFFFFFF0)
elif kind == "parent-type":
    data[params + 2] = 8
elif kind == "flags":
    data[params + 3] = 8
elif kind == "estimate-q8":
    data[params + 3] = 4
elif kind == "importance-q8":
    data[params + 3] = 3
open(sys.argv[2], "wb").write(data)
PY
}
for kind in rounding parent-later offset parent-type flags estimate-q8 importance-q8; do
  patch "$kind"
  check "hostile-$kind" 2 "$SGZ" unpack "$T/hostile.sgz" zoo/esrgan-zoo-Q8_0.gguf -o "$T/h"
  case $kind in
    rounding) want="prediction rounding 9 unknown" ;;
    parent-later) want="parent chunk 16777215 does not precede it" ;;
    offset) want="prediction needs [0-9]* parent bytes at offset 4294967280" ;;
    parent-type) want="prediction parent type 8 is no float type" ;;
    flags) want="prediction flags 8: unknown bits set" ;;
    estimate-q8) want="prediction flag ESTIMATE with SCALES or on type Q8_0" ;;
    importance-q8) want="prediction flag IMPORTANCE without SCALES or on type Q8_0" ;;
  esac
  grep -q "chunk [0-9]* (file 'zoo/esrgan-zoo-Q8_0.gguf', tensor '[^']*'): .*$want" "$T/err" && ok ||
    fail "hostile $kind: message" "$T/err"
  [ ! -e "$T/h" ] && ok || fail "hostile $kind: partial output left"
  check "hostile-$kind-stream" 2 sh -c '"$1" unpack - zoo/esrgan-zoo-Q8_0.gguf -o "$2" < "$3"' sh "$SGZ" "$T/h" "$T/hostile.sgz"
  grep -q "$want" "$T/err" && ok || fail "hostile $kind through a pipe: message" "$T/err"
done

# --max: every type's scales predicted too, the imatrix member's with the
# importance matrix member (written before the quantized members).
check pack-max 0 "$SGZ" pack -q --max --stats --bytes "$ZOO" -o "$T/max.sgz"
cp "$T/out" "$T/maxstats"
m=$(stat -c %s "$T/max.sgz")
# Measured: 4,896,536 bytes against 5,468,251 for the default preset (2.5).
[ "$m" -lt $((a * 95 / 100)) ] && ok || fail "--max zoo $m bytes, not below 95% of the default's $a"
for member in Q2_K Q3_K_M Q4_0 Q4_K_M Q4_K_M-imatrix Q4_K_S Q5_K_M Q6_K Q8_0; do
  awk -v m="zoo/esrgan-zoo-$member.gguf" '$1 == m && $4 == "100.00%" && $5 == "100.00%" && $6 == "search" { f = 1 }
      END { exit !f }' "$T/maxstats" && ok || fail "--max: $member not all scales and quants predicted" "$T/maxstats"
done
run "$SGZ" ls "$T/max.sgz"
awk 'NR == 4 { exit $1 != "zoo/esrgan-zoo.imatrix.gguf" }' "$T/out" && ok || fail "--max: imatrix member not third" "$T/out"
unpacks_zoo_piped max "$T/max.sgz"
# One tensor predicted with importance: its chunk, its parent's and the
# importance chunk, nothing else.
check cat-max-stats 0 "$SGZ" cat "$T/max.sgz" zoo/esrgan-zoo-Q4_K_M-imatrix.gguf blk.1.ffn_down.weight -o "$T/ti" --stats
grep -q "decoded 3 of" "$T/err" && ok || fail "cat of a tensor predicted with importance: not 3 chunks" "$T/err"
run "$SGZ" cat "$T/zoo.sgz" zoo/esrgan-zoo-Q4_K_M-imatrix.gguf blk.1.ffn_down.weight -c
same "cat of a tensor predicted with importance" "$T/out" "$T/ti"
# The default preset searches no K type's scales: Q4_K_M's are stored.
grep -q "^zoo/esrgan-zoo-Q4_K_M.gguf .* stored$" "$T/stats" && ok || fail "default: Q4_K_M scales not stored" "$T/stats"

# --parent and --imatrix: a member that is not there is refused before any output.
check parent-missing 1 "$SGZ" pack -q "$ZOO" -o "$T/p.sgz" --parent zoo/none.gguf
grep -q "no member named 'zoo/none.gguf' among the inputs (--parent)" "$T/err" && ok || fail "--parent: message" "$T/err"
[ ! -e "$T/p.sgz" ] && ok || fail "--parent: output left"
check imatrix-no-predict 1 "$SGZ" pack -q "$ZOO" -o "$T/p.sgz" --imatrix zoo/esrgan-zoo.imatrix.gguf --no-predict
# Forced: the F16 member as every parent (the BF16 member then predicts
# nothing: F16 is not its own type's parent), the imatrix member named.
check parent-f16 0 "$SGZ" pack -q --max --stats --bytes "$ZOO" -o "$T/p.sgz" --parent zoo/esrgan-zoo-F16.gguf \
  --imatrix zoo/esrgan-zoo.imatrix.gguf
cp "$T/out" "$T/pstats"
run "$SGZ" ls "$T/p.sgz"
awk 'NR == 2 { exit $1 != "zoo/esrgan-zoo-F16.gguf" }' "$T/out" && ok || fail "--parent: F16 member not first" "$T/out"
grep -q "^zoo/esrgan-zoo-Q8_0.gguf .*100.00%  100.00%     search$" "$T/pstats" && ok || fail "--parent F16: Q8_0" "$T/pstats"
mkdir "$T/po"
check unpack-parent 0 "$SGZ" unpack "$T/p.sgz" -C "$T/po"
while IFS= read -r f; do
  same "--parent unpack $f" "$f" "$T/po/zoo/${f##*/}"
done < <(find "$ZOO" -type f | sort)

# A damaged importance chunk: the imatrix member's chunk that the first
# predicted chunk with IMPORTANCE reads. Its dependents fail naming it, no
# output; members that do not read it still unpack.
/usr/bin/python3 - "$T/max.sgz" "$T/badimp.sgz" <<'PY' > "$T/imp"
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
at, index, offsets, target = 16, 0, [], None
footer = len(data) - 40
manifest = struct.unpack_from("<Q", data, footer)[0]
while at < manifest:
    tag = data[at:at + 4]
    if tag == b"SGZR":
        at += 20 + struct.unpack_from("<I", data, at + 8)[0]
        continue
    assert tag == b"SGZC", (at, tag)
    count = data[at + 5]
    sizes = [struct.unpack_from("<I", data, at + 24 + 12 * k + 8)[0] for k in range(count)]
    offsets.append(at)
    params = at + 24 + 12 * count
    if target is None and data[at + 4] == 4 and data[params + 3] == 3:
        target = struct.unpack_from("<I", data, params + 12)[0]
    at += 24 + 12 * count + sum(sizes)
    index += 1
assert target is not None
c = offsets[target]
data[c + 24 + 12 * data[c + 5] + 2] ^= 0xFF  # into its payload
open(sys.argv[2], "wb").write(data)
print(target)
PY
imp=$(cat "$T/imp")
check damaged-importance 2 "$SGZ" unpack "$T/badimp.sgz" zoo/esrgan-zoo-Q4_K_M-imatrix.gguf -o "$T/qi"
grep -q "file 'zoo/esrgan-zoo-Q4_K_M-imatrix.gguf', tensor '[^']*'): its importance chunk $imp: chunk $imp (file 'zoo/esrgan-zoo.imatrix.gguf'" "$T/err" &&
  ok || fail "damaged importance chunk: message" "$T/err"
[ ! -e "$T/qi" ] && ok || fail "damaged importance chunk: partial output left"
check damaged-importance-stream 2 sh -c '"$1" unpack - zoo/esrgan-zoo-Q4_K_M-imatrix.gguf -o "$2" < "$3"' sh "$SGZ" \
  "$T/qis" "$T/badimp.sgz"
[ ! -e "$T/qis" ] && ok || fail "damaged importance chunk through a pipe: partial output left"
check damaged-importance-other 0 "$SGZ" unpack "$T/badimp.sgz" zoo/esrgan-zoo-Q4_K_M.gguf -o "$T/q4"
same "Q4_K_M beside a damaged importance chunk" "$ZOO/esrgan-zoo-Q4_K_M.gguf" "$T/q4"

# Hostile importance parameters of the first chunk with IMPORTANCE: each
# refused with a named error and no output, random access and pipe alike.
patch_imp() {
  /usr/bin/python3 - "$T/max.sgz" "$T/hostile.sgz" "$1" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
at, index, transforms, found = 16, 0, [], None
manifest = struct.unpack_from("<Q", data, len(data) - 40)[0]
while at < manifest:
    if data[at:at + 4] == b"SGZR":
        at += 20 + struct.unpack_from("<I", data, at + 8)[0]
        continue
    count = data[at + 5]
    transforms.append(data[at + 4])
    params = at + 24 + 12 * count
    if found is None and data[at + 4] == 4 and data[params + 3] == 3:
        found = (index, params)
    at += 24 + 12 * count + sum(struct.unpack_from("<I", data, at + 24 + 12 * k + 8)[0] for k in range(count))
    index += 1
index, params = found
kind = sys.argv[3]
if kind == "imp-later":
    struct.pack_into("<I", data, params + 12, index)
elif kind == "imp-transform":  # an earlier chunk that is a copy or predicted
    struct.pack_into("<I", data, params + 12, max(i for i in range(index) if transforms[i] not in (0, 1)))
elif kind == "imp-offset":
    struct.pack_into("<I", data, params + 16, 0xFFFFFFF0)
elif kind == "row-length":
    struct.pack_into("<I", data, params + 24, 0)
elif kind == "first-column":
    struct.pack_into("<I", data, params + 28, struct.unpack_from("<I", data, params + 24)[0])
open(sys.argv[2], "wb").write(data)
PY
}
for kind in imp-later imp-transform imp-offset row-length first-column; do
  patch_imp "$kind"
  case $kind in
    imp-later) want="importance chunk [0-9]* does not precede it" ;;
    imp-transform) want="importance chunk [0-9]* has transform [234] (0, 1 or 5 only)" ;;
    imp-offset) want="importance needs [0-9]* bytes at offset 4294967280" ;;
    row-length) want="prediction row length 0 is no positive multiple of 256" ;;
    first-column) want="prediction first column [0-9]* is not a block's column of a row of" ;;
  esac
  rm -f "$T/h"
  check "hostile-$kind" 2 "$SGZ" unpack "$T/hostile.sgz" zoo/esrgan-zoo-Q4_K_M-imatrix.gguf -o "$T/h"
  grep -q "file 'zoo/esrgan-zoo-Q4_K_M-imatrix.gguf', tensor '[^']*'): .*$want" "$T/err" && ok ||
    fail "hostile $kind: message" "$T/err"
  [ ! -e "$T/h" ] && ok || fail "hostile $kind: partial output left"
  check "hostile-$kind-stream" 2 sh -c '"$1" unpack - zoo/esrgan-zoo-Q4_K_M-imatrix.gguf -o "$2" < "$3"' sh "$SGZ" \
    "$T/h" "$T/hostile.sgz"
  grep -q "$want" "$T/err" && ok || fail "hostile $kind through a pipe: message" "$T/err"
  [ ! -e "$T/h" ] && ok || fail "hostile $kind through a pipe: partial output left"
done
finish
