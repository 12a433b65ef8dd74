#!/usr/bin/env bash
# The model zoo of the corpus as one archive: `sgz pack ZOO -o zoo.sgz`,
# `sgz unpack zoo.sgz -C out` restores every file byte-exact under
# out/zoo/, each member unpacks alone, one tensor of one member via cat.
# Without a corpus the test exits 77 (ctest: Skipped); under CI=true a
# missing corpus is a failure.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
need_corpus "$SRC" zoo
ZOO=$CORPUS/zoo
check pack 0 "$SGZ" pack --bytes "$ZOO" -o "$T/zoo.sgz"
# Identical chunks are stored once (copies): at least the 3,989,504 bytes of
# tensors the zoo repeats, and the archive below tar | zstd -19 --long=27
# (27,932,744 bytes; 31,080,424 without sharing).
shared=$(sed -n 's/.* \([0-9]*\) bytes shared$/\1/p' "$T/err")
[ "${shared:-0}" -ge 3989504 ] && ok || fail "pack: shared bytes '${shared}'" "$T/err"
size=$(wc -c < "$T/zoo.sgz")
[ "$size" -lt 27932744 ] && ok || fail "zoo.sgz is $size bytes"
# ls --json: the bytes of each member stored as copies; Q4_K_S repeats 37 of
# its 39 tensors (2,050,048 bytes) from earlier quantizations.
run "$SGZ" ls "$T/zoo.sgz" --json
q4ks_shared=$(/usr/bin/python3 -c 'import json,sys; print([m["shared"] for m in json.load(sys.stdin)["members"]
  if m["name"] == "zoo/esrgan-zoo-Q4_K_S.gguf"][0])' < "$T/out")
[ "$q4ks_shared" = 2050048 ] && ok || fail "ls --json: Q4_K_S shared '$q4ks_shared'" "$T/out"
# Per tensor: the 37 shared tensors are all copies ("shared" = their size,
# the text listing says "copy"), the other 2 none.
run "$SGZ" ls "$T/zoo.sgz" zoo/esrgan-zoo-Q4_K_S.gguf --json
tensor_shared=$(/usr/bin/python3 -c 'import json,sys; t=json.load(sys.stdin)["tensors"]
print(sum(x["shared"] for x in t), sum(x["shared"] == x["size"] for x in t), sum(x["shared"] == 0 for x in t))' < "$T/out")
[ "$tensor_shared" = "2050048 37 2" ] && ok || fail "ls --json MEMBER: shared per tensor '$tensor_shared'" "$T/out"
run "$SGZ" ls "$T/zoo.sgz" zoo/esrgan-zoo-Q4_K_S.gguf
[ "$(grep -c ' copy$' "$T/out")" = 37 ] && ok || fail "ls MEMBER: 37 tensors marked copy" "$T/out"
# One member alone reads its own chunks, those they copy and the parent
# chunks they are predicted from (format 2.3): Q4_K_S, almost all copies,
# reads about its size plus its quantized tensors' BF16 parents, not the
# archive.
run "$SGZ" ls "$T/zoo.sgz" zoo/esrgan-zoo-BF16.gguf --json
cp "$T/out" "$T/bf16.json"
run "$SGZ" ls "$T/zoo.sgz" zoo/esrgan-zoo-Q4_K_S.gguf --json
parents=$(/usr/bin/python3 -c 'import json,sys
q = [x["name"] for x in json.load(open(sys.argv[1]))["tensors"] if x["type"] not in ("F32", "F16", "BF16")]
p = {x["name"]: x["stored"] for x in json.load(open(sys.argv[2]))["tensors"]}
print(len(q), sum(p[n] for n in q))' "$T/out" "$T/bf16.json")
read -r n_parents parent_bytes <<< "$parents"
check stats 0 "$SGZ" unpack "$T/zoo.sgz" zoo/esrgan-zoo-Q4_K_S.gguf -o "$T/q" --stats
read_bytes=$(sed -n 's/^read \([0-9]*\) of.*/\1/p' "$T/err")
[ "${read_bytes:-0}" -gt 0 ] && [ "$read_bytes" -lt $((2300000 + parent_bytes)) ] && ok ||
  fail "Q4_K_S alone read '${read_bytes}' (parents: $parents)" "$T/err"
# Its 40 chunks (39 tensors and its metadata), the parent's metadata chunk
# that its metadata is coded against (format 2.2) and one BF16 chunk per
# predicted tensor (30: Q4_K, Q5_K, Q6_K): nothing else is decoded.
decoded=$(sed -n 's/.*decoded \([0-9]*\) of.*/\1/p' "$T/err")
[ "$n_parents" = 30 ] && [ "$decoded" = $((41 + n_parents)) ] && ok ||
  fail "Q4_K_S alone decoded '${decoded}' chunks, want 41 + $n_parents" "$T/err"
unpacks_zoo zoo "$T/zoo.sgz"
# One tensor of one member, against the bytes at its offset in the original.
member=zoo/esrgan-zoo-Q4_K_S.gguf
check cat 0 "$SGZ" cat "$T/zoo.sgz" "$member" output.weight -o "$T/t"
read -r offset size < <("$SGZ" ls "$T/zoo.sgz" "$member" output.weight --json |
  /usr/bin/python3 -c 'import json,sys; t=json.load(sys.stdin)["tensors"][0]; print(t["offset"], t["size"])')
tail -c +"$((offset + 1))" "$CORPUS/$member" | head -c "$size" > "$T/t1"
same "cat $member output.weight" "$T/t1" "$T/t"
check verify 0 "$SGZ" verify "$T/zoo.sgz" --against "$CORPUS"
# The chunks checked are the members' own: 501, not counting the parent's
# metadata chunk again for each member whose metadata is coded against it.
grep -q "(12 members, 35M, 501 chunks, every checksum verified, identical to the files in " "$T/out" && ok ||
  fail "verify: chunks checked" "$T/out"

# From a pipe, in one pass: every member, in memory far below the 36 MB the
# zoo unpacks to (the largest chunk, the manifest and a few dozen bytes per
# chunk; about 10 MB measured), and one member whose chunks are almost all
# copies of members not selected (served from the spool).
mkdir "$T/s"
run /usr/bin/time -v "$SGZ" unpack - -C "$T/s" < "$T/zoo.sgz"
[ "$rc" = 0 ] && ok || fail "unpack - -C: exit $rc" "$T/err"
zoo_restored "unpack - -C" "$T/s"
peak_below "unpack - -C" 20480
check stream-member 0 "$SGZ" unpack - "$member" -o "$T/q2" < "$T/zoo.sgz"
same "unpack - $member" "$CORPUS/$member" "$T/q2"
check verify-stream 0 "$SGZ" verify - < "$T/zoo.sgz"
finish
