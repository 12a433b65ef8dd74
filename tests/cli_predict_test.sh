#!/usr/bin/env bash
# Transform 4 "predict" (format 2.3) on the corpus zoo: the quantized members'
# tensors stored as residuals against the quants predicted
# from the BF16 parent; every member byte-exact together, alone and through a
# pipe; a damaged parent chunk fails its dependents with a named error and
# leaves the other members readable. Without a corpus: exit 77 (Skipped).
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
CORPUS=${SGZ_CORPUS:-$SRC/../shared/corpus}
ZOO=$CORPUS/zoo
if [ ! -d "$ZOO" ]; then
  if [ "${CI:-}" = true ]; then echo "FAIL: corpus zoo not found at $ZOO and CI=true (set SGZ_CORPUS)"; exit 1; fi
  echo "SKIP: corpus zoo not found at $ZOO (set SGZ_CORPUS)"; exit 77
fi
check pack 0 "$SGZ" pack -q --stats --bytes "$ZOO" -o "$T/zoo.sgz"
cp "$T/out" "$T/stats"
check pack-no-predict 0 "$SGZ" pack -q --no-predict "$ZOO" -o "$T/plain.sgz"
a=$(stat -c %s "$T/zoo.sgz") b=$(stat -c %s "$T/plain.sgz")
# Measured: 6,636,504 against 27,175,637 bytes; the BF16 member alone 5,095,710.
[ "$a" -lt $((b / 3)) ] && ok || fail "predicted zoo $a bytes, not below a third of $b"
run "$SGZ" info "$T/zoo.sgz"
grep -q "sgz format 2.3" "$T/out" && ok || fail "predicted archive not format 2.3" "$T/out"
run "$SGZ" info "$T/plain.sgz"
grep -q "sgz format 2.2" "$T/out" && ok || fail "--no-predict archive not format 2.2" "$T/out"
# Every predicted quant stream hits on the zoo: a few bytes per chunk.
for s in pred.Q4_0.qs pred.Q8_0.qs pred.Q2_K.qs pred.Q3_K.hmask pred.Q3_K.qs pred.Q4_K.qs pred.Q5_K.qh pred.Q5_K.qs \
         pred.Q6_K.ql pred.Q6_K.qh pred.F16.value.b0 pred.F16.value.b1; do
  stored=$(awk -v s="$s" '$1 == s { print $3 }' "$T/stats")
  [ -n "$stored" ] && [ "$stored" -lt 4096 ] && ok || fail "stream $s stored '${stored}' bytes" "$T/stats"
done

check verify 0 "$SGZ" verify "$T/zoo.sgz"
check verify-stream 0 sh -c '"$1" verify - < "$2"' sh "$SGZ" "$T/zoo.sgz"

mkdir "$T/o" "$T/s"
check unpack 0 "$SGZ" unpack "$T/zoo.sgz" -C "$T/o"
check unpack-stream 0 sh -c '"$1" unpack - -C "$2" < "$3"' sh "$SGZ" "$T/s" "$T/zoo.sgz"
n=0
while IFS= read -r f; do
  name=zoo/${f##*/}
  same "unpack -C $name" "$f" "$T/o/$name"
  same "unpack - -C $name" "$f" "$T/s/$name"
  run "$SGZ" unpack "$T/zoo.sgz" "$name" -c
  same "unpack $name alone" "$f" "$T/out"
  n=$((n + 1))
done < <(find "$ZOO" -type f | sort)
[ "$n" = 12 ] && ok || fail "zoo holds $n files, want 12"
# One predicted tensor: its chunk and its parent's, nothing else.
check cat-stats 0 "$SGZ" cat "$T/zoo.sgz" zoo/esrgan-zoo-Q8_0.gguf blk.1.ffn_down.weight -o "$T/t" --stats
grep -q "decoded 2 of" "$T/err" && ok || fail "cat of a predicted tensor decodes other than 2 chunks" "$T/err"

# A damaged parent chunk: BF16's blk.1.ffn_down.weight (about 2 MB into the
# archive, whose first member is BF16), which the Q8_0 member's tensor of
# that name is predicted from.
cp "$T/zoo.sgz" "$T/bad.sgz"
printf '\xff\xff\xff\xff' | dd of="$T/bad.sgz" bs=1 seek=2000000 conv=notrunc 2>/dev/null
check damaged-q8 2 "$SGZ" unpack "$T/bad.sgz" zoo/esrgan-zoo-Q8_0.gguf -o "$T/q8"
grep -q "tensor 'blk.1.ffn_down.weight'): its parent chunk [0-9]*: chunk [0-9]* (file 'zoo/esrgan-zoo-BF16.gguf', tensor 'blk.1.ffn_down.weight'): decoded bytes do not match the chunk checksum" "$T/err" &&
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
grep -q "checksum" "$T/err" && ok || fail "damaged parent through a pipe: message" "$T/err"

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
assert data[params:params + 4] == b"\x01\x00\x1e\x00", data[params:params + 4]
kind = sys.argv[3]
if kind == "rounding":
    data[params + 1] = 9
elif kind == "parent-later":
    struct.pack_into("<I", data, params + 4, 0xFFFFFF)
elif kind == "offset":
    struct.pack_into("<I", data, params + 8, 0xFFFFFFF0)
elif kind == "parent-type":
    data[params + 2] = 8
open(sys.argv[2], "wb").write(data)
PY
}
for kind in rounding parent-later offset parent-type; do
  patch "$kind"
  check "hostile-$kind" 2 "$SGZ" unpack "$T/hostile.sgz" zoo/esrgan-zoo-Q8_0.gguf -o "$T/h"
  case $kind in
    rounding) want="prediction rounding 9 unknown" ;;
    parent-later) want="parent chunk 16777215 does not precede it" ;;
    offset) want="prediction needs [0-9]* parent bytes at offset 4294967280" ;;
    parent-type) want="prediction parent type 8 is no float type" ;;
  esac
  grep -q "chunk [0-9]* (file 'zoo/esrgan-zoo-Q8_0.gguf', tensor '[^']*'): .*$want" "$T/err" && ok ||
    fail "hostile $kind: message" "$T/err"
  [ ! -e "$T/h" ] && ok || fail "hostile $kind: partial output left"
  check "hostile-$kind-stream" 2 sh -c '"$1" unpack - zoo/esrgan-zoo-Q8_0.gguf -o "$2" < "$3"' sh "$SGZ" "$T/h" "$T/hostile.sgz"
  grep -q "$want" "$T/err" && ok || fail "hostile $kind through a pipe: message" "$T/err"
done
finish
