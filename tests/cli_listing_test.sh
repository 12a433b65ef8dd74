#!/usr/bin/env bash
# The listing side of the sgz CLI end to end: info --full and complete
# --json, ls PATTERN..., sizes for people (--bytes: exact), verify reporting
# every damaged tensor and the tensors that differ from --against, and ls/info
# of a plain GGUF file. Exit codes are checked. (cli_test.sh has the rest.)
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
py() {  # py NAME SCRIPT ARGS...: a python3 check, the script's assert message on failure
  local name=$1 script=$2
  shift 2
  python3 -c "$script" "$@" 2>"$T/py" && ok || fail "$name" "$T/py"
}

cp "$SRC/fixtures/demo.gguf" "$T/demo.gguf"
A=$T/demo.gguf.sgz
"$SGZ" pack "$T/demo.gguf" -o "$A" -q || { fail pack; finish; }
"$SGZ" unpack "$A" -o "$T/back.gguf" -q && cmp -s "$T/demo.gguf" "$T/back.gguf" && ok || fail "round trip"

# ---- info: text shows 8 array items, --full and --json every one.
check info 0 "$SGZ" info "$A"
grep -q "tokenizer.ggml.tokens *= \[.*, \.\.\.\] (512 STRING)" "$T/out" && ok || fail "info text: a short array" "$T/out"
check info-full 0 "$SGZ" info "$A" --full
line=$(grep "tokenizer.ggml.tokens" "$T/out")
[ "$(grep -o "', '" <<< "$line" | wc -l)" = 511 ] && ! grep -q '\.\.\.\]' <<< "$line" && ok || fail "info --full: not 512 items"
check info-json 0 "$SGZ" info "$A" --json
py info-json-complete '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["archive"] is True, d.get("archive")
for m in d["gguf"]["metadata"]:
    v = m["value"]
    if isinstance(v, dict):
        assert len(v["items"]) == v["count"], (m["key"], v["count"], len(v["items"]))
kv = {m["key"]: m["value"] for m in d["gguf"]["metadata"]}
assert len(kv["tokenizer.ggml.tokens"]["items"]) == 512, len(kv["tokenizer.ggml.tokens"]["items"])
' "$T/out"
check info-json-full 0 "$SGZ" info "$A" --json --full
cmp -s "$T/out" <("$SGZ" info "$A" --json) && ok || fail "info --json --full differs from --json"
check full-on-ls 1 "$SGZ" ls "$A" --full
grep -q "^sgz: --full is for info" "$T/err" && ok || fail "ls --full: message" "$T/err"

# ---- ls PATTERN: shell patterns (fnmatch) select tensors.
"$SGZ" ls "$A" --json > "$T/all.json"
check ls-pattern 0 "$SGZ" ls "$A" 'blk.0.*'
want=$(python3 -c 'import json,sys; print(sum(t["name"].startswith("blk.0.") for t in json.load(open(sys.argv[1]))["tensors"]))' "$T/all.json")
[ "$want" -gt 1 ] && [ "$(grep -c '^blk\.0\.' "$T/out")" = "$want" ] && [ "$(grep -c '^blk\.1\.' "$T/out")" = 0 ] &&
  grep -q "^$want of 21 tensors" "$T/out" && ok || fail "ls 'blk.0.*': want the $want blk.0 tensors" "$T/out"
check ls-patterns 0 "$SGZ" ls "$A" 'blk.[01].ffn_up.*' output.weight --json
py ls-patterns-json '
import json, sys
names = [t["name"] for t in json.load(open(sys.argv[1]))["tensors"]]
assert names == ["blk.0.ffn_up.weight", "blk.1.ffn_up.weight", "output.weight"], names
' "$T/out"
check ls-no-match 1 "$SGZ" ls "$A" 'blk.9*'
[ "$(cat "$T/err")" = "sgz: $A: no tensor matches 'blk.9*'" ] && [ ! -s "$T/out" ] && ok || fail "ls no match: one line, no table" "$T/err"
check ls-some-match 1 "$SGZ" ls "$A" output.weight nope
grep -q "^output.weight " "$T/out" && grep -q "no tensor matches 'nope'" "$T/err" && ok || fail "ls: matched ones listed, the other reported"
cp "$A" "$T/second.sgz"
check ls-several-pattern 0 "$SGZ" ls "$A" "$T/second.sgz" output.weight
[ "$(grep -c '^==> ' "$T/out")" = 2 ] && [ "$(grep -c '^output.weight ' "$T/out")" = 2 ] && [ "$(grep -c '^blk' "$T/out")" = 0 ] &&
  ok || fail "ls two archives, one pattern" "$T/out"
check ls-several-no-match 1 "$SGZ" ls "$A" "$T/second.sgz" nope
[ "$(grep -c "no tensor matches 'nope'" "$T/err")" = 2 ] && ok || fail "ls several: each archive reports" "$T/err"
check ls-several-worst 3 "$SGZ" ls "$A" "$T/missing.sgz" nope
# An argument after the first that ends in neither .sgz nor .gguf is a
# pattern; when it names a file, the message says why it was not listed.
cp "$A" "$T/copy.bin"
check ls-not-sgz-name 1 "$SGZ" ls "$A" "$T/copy.bin"
grep -q "no tensor matches '$T/copy.bin' (after the first, an archive must end in .sgz or .gguf)" "$T/err" && ok || fail "hint" "$T/err"
check ls-first-any-name 0 "$SGZ" ls "$T/copy.bin" output.weight

# ---- Sizes for people (ls -h style; exactly `numfmt --to=iec`), exact with --bytes.
check ls-human 0 "$SGZ" ls "$A"
check ls-bytes 0 "$SGZ" ls "$A" --bytes
cp "$T/out" "$T/ls-bytes"
"$SGZ" ls "$A" > "$T/ls-human"
grep -q '^token_embd.weight .* 72K  *72K ' "$T/ls-human" && ok || fail "ls: token_embd.weight not 72K" "$T/ls-human"
grep -q '^token_embd.weight .* 73728 ' "$T/ls-bytes" && ok || fail "ls --bytes: token_embd.weight not 73728" "$T/ls-bytes"
# Every size column of every tensor: the human form is numfmt's of the exact one.
paste -d' ' <(awk 'NR > 1 && $1 ~ /\./ {print $(NF-2), $(NF-1)}' "$T/ls-bytes") \
            <(awk 'NR > 1 && $1 ~ /\./ {print $(NF-2), $(NF-1)}' "$T/ls-human") > "$T/sizes"
[ "$(wc -l < "$T/sizes")" = 21 ] && ok || fail "ls: not 21 rows" "$T/sizes"
while read -r e1 e2 h1 h2; do
  [ "$(numfmt --to=iec "$e1") $(numfmt --to=iec "$e2")" = "$h1 $h2" ] || { fail "ls sizes $e1 $e2 shown as $h1 $h2"; break; }
done < "$T/sizes" && ok
tail -1 "$T/ls-human" | grep -q "^21 tensors, GGUF v3, 1011K$" && ok || fail "ls total" "$T/ls-human"
tail -1 "$T/ls-bytes" | grep -q "^21 tensors, GGUF v3, 1034400 bytes$" && ok || fail "ls --bytes total" "$T/ls-bytes"
check info-human 0 "$SGZ" info "$A"
grep -q "^original: *demo.gguf, 1011K, xxh3-64" "$T/out" && grep -q "^total (archive) *1011K " "$T/out" && ok || fail "info sizes" "$T/out"
check info-bytes 0 "$SGZ" info "$A" --bytes
grep -q "^original: *demo.gguf, 1034400 bytes, xxh3-64" "$T/out" && grep -q "^total (archive) *1034400 " "$T/out" && ok || fail "info --bytes" "$T/out"
check verify-human 0 "$SGZ" verify "$A"
grep -q "OK (1011K, " "$T/out" && ok || fail "verify size" "$T/out"
check verify-bytes 0 "$SGZ" verify "$A" --bytes
grep -q "OK (1034400 bytes, " "$T/out" && ok || fail "verify --bytes" "$T/out"
check pack-human 0 "$SGZ" pack "$T/demo.gguf" -o "$T/p.sgz"
grep -q "p.sgz: 1011K -> [0-9.]*[KM] (ratio" "$T/err" && ok || fail "pack summary" "$T/err"
# pack --stats and info print the same stream table, in both forms.
for form in "" --bytes; do
  "$SGZ" pack "$T/demo.gguf" -o "$T/p.sgz" -f -q --stats $form > "$T/pack-streams"
  "$SGZ" info "$T/p.sgz" $form | sed -n '/^stream /,$p' > "$T/info-streams"
  [ -s "$T/pack-streams" ] && cmp -s "$T/pack-streams" "$T/info-streams" && ok || fail "pack --stats $form differs from info"
done
grep -q "^total (archive) *1034400 " "$T/pack-streams" && ok || fail "pack --stats --bytes" "$T/pack-streams"
check bytes-on-cat 1 "$SGZ" cat "$A" output.weight --bytes
grep -q "^sgz: --bytes is for pack, ls, info, verify and add, not cat" "$T/err" && ok || fail "cat --bytes message" "$T/err"
check json-exact 0 "$SGZ" ls "$A" --json
py ls-json-exact 'import json,sys; t={x["name"]: x for x in json.load(open(sys.argv[1]))["tensors"]}; assert t["token_embd.weight"]["size"] == 73728' "$T/out"

# ---- verify: every damaged chunk, one line per damaged tensor, offsets in JSON.
cp "$A" "$T/bad.sgz"
nchunks=$("$SGZ" info "$A" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks"])')
size=$(stat -c %s "$T/bad.sgz")
for at in 100 $((size / 4)) $((size / 2)); do  # chunk 0 (metadata) and two chunks of tensor data
  printf '\xff\xff\xff\xff' | dd of="$T/bad.sgz" bs=1 seek="$at" conv=notrunc 2>/dev/null
done
check verify-damaged 2 "$SGZ" verify "$T/bad.sgz" --json
cp "$T/out" "$T/damaged.json"
py verify-damaged-json '
import json, sys
d = json.load(open(sys.argv[1]))
tensors = json.load(open(sys.argv[2]))["tensors"]
dam = d["damaged"]
assert d["ok"] is False and len(dam) == 3, dam
assert [x["chunk"] for x in dam] == sorted(x["chunk"] for x in dam) and dam[0]["chunk"] == 0, dam
assert dam[0]["metadata"] is True and dam[0]["offset"] == 0, dam[0]
for x in dam:
    assert x["error"] in ("checksum_mismatch", "corrupt") and x["message"] and x["length"] > 0, x
    want = [t["name"] for t in tensors if t["offset"] < x["offset"] + x["length"] and x["offset"] < t["offset"] + t["size"]]
    assert x["tensors"] == want, (x, want)
assert all(x["tensors"] for x in dam[1:]), dam
assert d["chunks_checked"] == int(sys.argv[3]) and "chunk 0" in d["error"], d
' "$T/out" "$T/all.json" "$nchunks"
check verify-damaged-text 2 "$SGZ" verify "$T/bad.sgz"
python3 - "$T/damaged.json" "$T/err" "$T/bad.sgz" "$nchunks" <<'PY' 2>"$T/py" && ok || fail "verify text: one line per damaged tensor" "$T/py"
import json, sys
dam = json.load(open(sys.argv[1]))["damaged"]
lines = open(sys.argv[2]).read().splitlines()
name = sys.argv[3]
tensors = []
for x in dam:
    tensors += [t for t in x["tensors"] if t not in tensors]
want = ["sgz: %s: metadata damaged: chunk 0 [0, +%d): " % (name, dam[0]["length"])]
want += ["sgz: %s: tensor '%s' damaged: chunk " % (name, t) for t in tensors]
assert len(lines) == len(want) + 1, lines
for line, w in zip(lines, want):
    assert line.startswith(w), (line, w)
assert lines[-1] == "sgz: %s: 3 of %s chunks damaged" % (name, sys.argv[4]), lines[-1]
PY
check verify-damaged-quiet-stdout 2 "$SGZ" verify "$T/bad.sgz"
[ ! -s "$T/out" ] && ok || fail "verify damaged: stdout not empty" "$T/out"
check verify-several-damaged 2 "$SGZ" verify "$A" "$T/bad.sgz"
[ "$(grep -c 'damaged' "$T/err")" -ge 4 ] && grep -q ": OK (" "$T/out" && ok || fail "verify several with damage" "$T/err"

# Bytes of no tensor (an opaque file): one line per damaged chunk.
python3 -c 'import random, sys; random.seed(7); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(300000)))' > "$T/noise.bin"
"$SGZ" pack "$T/noise.bin" -o "$T/noise.sgz" --chunk-size 64 -q
nsize=$(stat -c %s "$T/noise.sgz")
for at in $((nsize / 4)) $((nsize / 2)); do printf '\xff\xff' | dd of="$T/noise.sgz" bs=1 seek="$at" conv=notrunc 2>/dev/null; done
check verify-opaque-damaged 2 "$SGZ" verify "$T/noise.sgz"
[ "$(grep -c "^sgz: $T/noise.sgz: bytes outside tensors damaged: chunk [0-9]* \[[0-9]*, +65536): " "$T/err")" = 2 ] &&
  grep -q "2 of 5 chunks damaged" "$T/err" && ok || fail "verify opaque damage" "$T/err"
# A tensor with many damaged chunks: one line, the first three and a count.
"$SGZ" pack "$T/demo.gguf" -o "$T/small.sgz" --chunk-size 4 -q
ssize=$(stat -c %s "$T/small.sgz")
head -c 40000 /dev/zero | dd of="$T/small.sgz" bs=1 seek=$((ssize / 2)) conv=notrunc 2>/dev/null
check verify-many-chunks 2 "$SGZ" verify "$T/small.sgz"
grep -Eq "^sgz: $T/small.sgz: tensor '[^']*' damaged: chunk [0-9]+ [^;]*; chunk [^;]*; chunk [^;]*; and [0-9]+ more chunks$" "$T/err" &&
  ok || fail "verify: a tensor's many damaged chunks in one line" "$T/err"

# ---- verify --against: the first difference and the tensors that differ.
python3 - "$T/demo.gguf" "$T/changed.gguf" "$T/all.json" <<'PY'
import json, sys
data = bytearray(open(sys.argv[1], "rb").read())
t = {x["name"]: x for x in json.load(open(sys.argv[3]))["tensors"]}
for name in ("blk.1.ffn_up.weight", "output.weight"):
    data[t[name]["offset"] + 5] ^= 1
open(sys.argv[2], "wb").write(data)
print(t["blk.1.ffn_up.weight"]["offset"] + 5, file=open(sys.argv[2] + ".first", "w"))
PY
first=$(cat "$T/changed.gguf.first")
check verify-against-tensors 2 "$SGZ" verify "$A" --against "$T/changed.gguf"
[ "$(cat "$T/err")" = "sgz: $A: differs from $T/changed.gguf at byte $first (tensors 'blk.1.ffn_up.weight', 'output.weight')" ] &&
  ok || fail "verify --against: differing tensors" "$T/err"
check verify-against-json 2 "$SGZ" verify "$A" --against "$T/changed.gguf" --json
py verify-against-json "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['matches'] is False and d['first_difference'] == $first, d
assert d['differing_tensors'] == ['blk.1.ffn_up.weight', 'output.weight'] and d['differs_outside_tensors'] is False, d
assert d['damaged'] == [], d
" "$T/out"
check verify-same-json 0 "$SGZ" verify "$A" --against "$T/demo.gguf" --json
py verify-same-json 'import json,sys; d=json.load(open(sys.argv[1])); assert d["matches"] is True and d["first_difference"] is None and d["differing_tensors"] == [], d' "$T/out"
# Damage and a difference together: both reported, the rest still compared.
check verify-damaged-against 2 "$SGZ" verify "$T/bad.sgz" --against "$T/changed.gguf"
grep -q "differs from $T/changed.gguf at byte" "$T/err" && grep -q "3 of $nchunks chunks damaged" "$T/err" && ok || fail "damage + difference" "$T/err"
# In JSON a difference found is a definite "matches": false, damage or not;
# without one, damage leaves it unknown (null).
check verify-damaged-against-json 2 "$SGZ" verify "$T/bad.sgz" --against "$T/changed.gguf" --json
py verify-damaged-against-json "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['matches'] is False and d['first_difference'] == $first and len(d['damaged']) == 3, d
" "$T/out"
check verify-damaged-same-json 2 "$SGZ" verify "$T/bad.sgz" --against "$T/demo.gguf" --json
py verify-damaged-same-json "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['matches'] is None and d['first_difference'] is None and len(d['damaged']) == 3, d
" "$T/out"

# ---- ls and info of a plain GGUF file: as for an archive, without archive facts.
check ls-gguf 0 "$SGZ" ls "$T/demo.gguf"
[ ! -s "$T/err" ] && ok || fail "ls GGUF: stderr not empty without -v" "$T/err"
[ "$(awk 'NR > 1 && $1 ~ /\./ {print $1, $(NF-4), $(NF-3)}' "$T/out")" = "$(awk 'NR > 1 && $1 ~ /\./ {print $1, $(NF-4), $(NF-3)}' "$T/ls-human")" ] &&
  ok || fail "ls GGUF: tensors, offsets and sizes differ from the archive's" "$T/out"
[ "$(awk 'NR > 1 && $1 ~ /\./ {print $(NF-1), $NF}' "$T/out" | sort -u)" = "- -" ] && ok || fail "ls GGUF: stored and ratio not '-'" "$T/out"
tail -1 "$T/out" | grep -q "^21 tensors, GGUF v3, 1011K (a GGUF file, not an archive)$" && ok || fail "ls GGUF total" "$T/out"
check ls-gguf-verbose 0 "$SGZ" ls "$T/demo.gguf" -v
grep -q "a GGUF file, not an sgz archive" "$T/err" && ok || fail "ls GGUF -v: no note" "$T/err"
check ls-gguf-pattern 0 "$SGZ" ls "$T/demo.gguf" 'output*' --json
py ls-gguf-json '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["archive"] is False and d["kind"] == "gguf" and d["original_size"] == 1034400, d
assert [t["name"] for t in d["tensors"]] == ["output_norm.weight", "output.weight"], d["tensors"]
assert all(t["stored"] is None and t["ratio"] is None and t["size"] > 0 for t in d["tensors"]), d["tensors"]
' "$T/out"
check info-gguf 0 "$SGZ" info "$T/demo.gguf"
grep -q "^file: *$T/demo.gguf (a GGUF file, not an sgz archive), 1011K$" "$T/out" && grep -q "general.architecture *= 'llama'" "$T/out" &&
  ! grep -q "^stream " "$T/out" && ok || fail "info GGUF text" "$T/out"
check info-gguf-json 0 "$SGZ" info "$T/demo.gguf" --json
"$SGZ" info "$A" --json > "$T/archive-info.json"
py info-gguf-json '
import json, sys
g = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
assert g["archive"] is False and g["kind"] == "gguf" and g["original_size"] == a["original_size"], g
assert g["gguf"] == a["gguf"], "gguf sections differ"
assert "streams" not in g and "chunks" not in g, g.keys()
' "$T/out" "$T/archive-info.json"
check ls-gguf-and-archive 0 "$SGZ" ls "$A" "$T/demo.gguf" output.weight
[ "$(grep -c '^output.weight ' "$T/out")" = 2 ] && ok || fail "ls GGUF and archive" "$T/out"
check ls-invalid-gguf 2 "$SGZ" ls "$SRC/fixtures/invalid/duplicate-key.gguf"
grep -q "^sgz: $SRC/fixtures/invalid/duplicate-key.gguf: corrupt: not a valid GGUF file: duplicate metadata key" "$T/err" && ok || fail "invalid GGUF message" "$T/err"
for cmd in ls info; do
  check "$cmd-neither" 2 "$SGZ" $cmd "$SRC/fixtures/invalid/ERRORS.txt"
  [ "$(cat "$T/err")" = "sgz: $SRC/fixtures/invalid/ERRORS.txt: not an sgz archive or a GGUF file" ] && ok || fail "$cmd neither: message" "$T/err"
done
# A GGUF file without tensors may end before its padded data offset (as the
# vocab-only files of llama.cpp do): its archive's info agrees with the file's.
head -c 280 "$SRC/fixtures/valid/zero-tensors.gguf" > "$T/vocab.gguf"
"$SGZ" pack "$T/vocab.gguf" -o "$T/vocab.sgz" -q && "$SGZ" unpack "$T/vocab.sgz" -c | cmp -s - "$T/vocab.gguf" && ok || fail "vocab round trip"
check info-no-tensors-unaligned 0 "$SGZ" info "$T/vocab.sgz"
grep -q "data at 280$" "$T/out" && grep -q "'hello'" "$T/out" && ok || fail "info of a short zero-tensor GGUF archive" "$T/out"
check info-no-tensors-unaligned-gguf 0 "$SGZ" info "$T/vocab.gguf"
grep -q "data at 280$" "$T/out" && ok || fail "info of a short zero-tensor GGUF" "$T/out"
# A damaged archive is still reported as one (its magic is sgz's).
head -c $((size - 10)) "$A" > "$T/cut.sgz"
check ls-truncated-archive 2 "$SGZ" ls "$T/cut.sgz"
grep -q "footer" "$T/err" && ok || fail "truncated archive message" "$T/err"

finish
