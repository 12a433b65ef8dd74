#!/usr/bin/env bash
# Transform 4 "predict" (format 2.3) on the corpus zoo: the quantized members'
# Q8_0, Q4_K and Q6_K tensors stored as residuals against the quants predicted
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
# Measured: 17,008,059 against 27,175,637 bytes.
[ "$a" -lt $((b * 2 / 3)) ] && ok || fail "predicted zoo $a bytes, not below 2/3 of $b"
run "$SGZ" info "$T/zoo.sgz"
grep -q "sgz format 2.3" "$T/out" && ok || fail "predicted archive not format 2.3" "$T/out"
run "$SGZ" info "$T/plain.sgz"
grep -q "sgz format 2.2" "$T/out" && ok || fail "--no-predict archive not format 2.2" "$T/out"
# Every predicted quant stream hits on the zoo: a few bytes per chunk.
for s in pred.Q8_0.qs pred.Q4_K.qs pred.Q6_K.ql pred.Q6_K.qh; do
  stored=$(awk -v s="$s" '$1 == s { print $3 }' "$T/stats")
  [ -n "$stored" ] && [ "$stored" -lt 4096 ] && ok || fail "stream $s stored '${stored}' bytes" "$T/stats"
done

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
check damaged-q40 0 "$SGZ" unpack "$T/bad.sgz" zoo/esrgan-zoo-Q4_0.gguf -o "$T/q40"
same "Q4_0 beside a damaged parent" "$ZOO/esrgan-zoo-Q4_0.gguf" "$T/q40"
check damaged-stream 2 sh -c '"$1" unpack - zoo/esrgan-zoo-Q8_0.gguf -o "$2" < "$3"' sh "$SGZ" "$T/q8s" "$T/bad.sgz"
grep -q "checksum" "$T/err" && ok || fail "damaged parent through a pipe: message" "$T/err"
finish
