#!/usr/bin/env bash
# Runs the built sgz binary end to end: every command, wrong usage, missing
# files, no overwrite without -f, a damaged archive. Exit codes are checked.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"

cp "$SRC/fixtures/demo.gguf" "$T/demo.gguf"
check pack 0 "$SGZ" pack "$T/demo.gguf"
[ -f "$T/demo.gguf.sgz" ] || fail "default output name"
check unpack 0 "$SGZ" unpack "$T/demo.gguf.sgz" -o "$T/back.gguf"
cmp -s "$T/demo.gguf" "$T/back.gguf" || fail "unpack not byte-identical"
check unpack-stdout 0 "$SGZ" unpack "$T/demo.gguf.sgz" -c
cmp -s "$T/demo.gguf" "$T/out" || fail "unpack -c not byte-identical"
check ls 0 "$SGZ" ls "$T/demo.gguf.sgz" --bytes
grep -q "token_embd.weight *Q4_K *\[256, 512\] *[0-9]* *73728" "$T/out" || fail "ls output" "$T/out"
check pack-stats 0 "$SGZ" pack "$T/demo.gguf" -o "$T/s.sgz" -l 19 --stats
grep -q "^ctx.Q4_K.qs" "$T/out" || fail "--stats output"

# No overwrite without -f; the existing file is untouched.
echo keep > "$T/exists.gguf"
check no-overwrite 1 "$SGZ" unpack "$T/demo.gguf.sgz" -o "$T/exists.gguf"
expect_err no-overwrite "already exists (use -f to overwrite)"
[ "$(cat "$T/exists.gguf")" = keep ] || fail "existing file changed"
check pack-no-overwrite 1 "$SGZ" pack "$T/demo.gguf"
check overwrite 0 "$SGZ" unpack "$T/demo.gguf.sgz" -o "$T/exists.gguf" -f
cmp -s "$T/demo.gguf" "$T/exists.gguf" || fail "-f did not replace"
# -f over a file (swapped in, the old bytes removed) and over a symbolic link
# (the link replaced, its target untouched): no temporary file left behind.
mkdir -p "$T/over" && echo old > "$T/over/f.gguf" && echo target > "$T/over/t" && ln -s t "$T/over/link.gguf"
check overwrite-file 0 "$SGZ" unpack "$T/demo.gguf.sgz" -o "$T/over/f.gguf" -f
cmp -s "$T/demo.gguf" "$T/over/f.gguf" && ok || fail "-f over a file"
check overwrite-link 0 "$SGZ" unpack "$T/demo.gguf.sgz" -o "$T/over/link.gguf" -f
[ ! -L "$T/over/link.gguf" ] && cmp -s "$T/demo.gguf" "$T/over/link.gguf" && [ "$(cat "$T/over/t")" = target ] && ok ||
  fail "-f over a symbolic link"
[ "$(ls -A "$T/over" | sort | tr '\n' ' ')" = "f.gguf link.gguf t " ] && ok ||
  fail "-f left files behind: $(ls -A "$T/over")"

# Wrong usage: exit 1 with one clear line.
check no-args 1 "$SGZ"
check unknown-command 1 "$SGZ" frobnicate x
expect_err unknown-command "unknown command 'frobnicate'"
check pack-two-inputs 1 "$SGZ" pack a b
check bad-level 1 "$SGZ" pack "$T/demo.gguf" -o "$T/l.sgz" -l 99
expect_err bad-level "level 99 outside 1..22"
check bad-option 1 "$SGZ" pack "$T/demo.gguf" --no-such-option
check unpack-no-ext 1 "$SGZ" unpack "$T/demo.gguf"
check help 0 "$SGZ" --help
check version 0 "$SGZ" --version
cp "$T/out" "$T/version.want"
check version-V 0 "$SGZ" -V
cmp -s "$T/out" "$T/version.want" && grep -q "^sgz " "$T/out" && ok || fail "-V is not --version"
"$SGZ" --help > "$T/help.want"
check help-command 0 "$SGZ" help
cmp -s "$T/out" "$T/help.want" && ok || fail "'sgz help' is not 'sgz --help'"
for cmd in pack unpack ls cat info verify; do
  "$SGZ" $cmd --help > "$T/help.want"
  check "help-$cmd-command" 0 "$SGZ" help $cmd
  [ -s "$T/out" ] && cmp -s "$T/out" "$T/help.want" && ok || fail "'sgz help $cmd' is not '$cmd --help'"
done
check help-unknown 1 "$SGZ" help unpak
expect_err help-unknown "unknown command 'unpak' (did you mean 'unpack'?)"
check help-two 1 "$SGZ" help pack unpack
# A mistyped command: the nearest within 2 edits is suggested; none beyond.
for typo in unpak:unpack pakc:pack lss:ls cta:cat inof:info verfy:verify; do
  check "typo-${typo%%:*}" 1 "$SGZ" "${typo%%:*}" x
  expect_err "typo-${typo%%:*}" "^sgz: unknown command '${typo%%:*}' (did you mean '${typo#*:}'?)"
done
check typo-far 1 "$SGZ" frobnicate x
grep -q "did you mean" "$T/err" && fail "suggestion for a far name" || ok
# -k/--keep: accepted by pack and unpack (the input stays, as always); refused elsewhere.
check keep-pack 0 "$SGZ" pack -k "$T/demo.gguf" -o "$T/keep.sgz"
check keep-unpack 0 "$SGZ" unpack --keep "$T/keep.sgz" -o "$T/keep.gguf"
[ -f "$T/demo.gguf" ] && [ -f "$T/keep.sgz" ] && cmp -s "$T/demo.gguf" "$T/keep.gguf" && ok ||
  fail "-k: input gone or output differs"
check keep-ls 1 "$SGZ" ls -k "$T/keep.sgz"
expect_err keep-ls "-k/--keep is for pack and unpack"

# Missing input: I/O error, exit 3, names the file.
check missing 3 "$SGZ" pack "$T/nope.gguf"
expect_err missing "nope.gguf"
check missing-archive 3 "$SGZ" ls "$T/nope.sgz"

# Not an archive / damaged archive: exit 2, and no output left behind.
check not-archive 2 "$SGZ" unpack "$T/demo.gguf" -o "$T/x.gguf"
cp "$T/demo.gguf.sgz" "$T/bad.sgz"
size=$(stat -c %s "$T/bad.sgz")
printf '\xff\xff\xff\xff' | dd of="$T/bad.sgz" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
check damaged 2 "$SGZ" unpack "$T/bad.sgz" -o "$T/damaged.gguf"
expect_err damaged "chunk"
[ ! -e "$T/damaged.gguf" ] || fail "partial output left"
ls "$T" | grep -q sgz-tmp && fail "temporary file left"

# cat: one tensor, byte ranges, suggestions, stats.
read -r off size < <("$SGZ" ls "$T/demo.gguf.sgz" --bytes | awk '$1 == "blk.1.ffn_up.weight" {print $(NF-3), $(NF-2)}')
check cat-tensor 0 "$SGZ" cat "$T/demo.gguf.sgz" blk.1.ffn_up.weight --stats
tail -c +$((off + 1)) "$T/demo.gguf" | head -c "$size" > "$T/want.bin"
cmp -s "$T/out" "$T/want.bin" || fail "cat tensor bytes"
expect_err cat-stats "decoded 1 of [0-9]* chunks"
check cat-tensor-file 0 "$SGZ" cat "$T/demo.gguf.sgz" blk.1.ffn_up.weight -o "$T/t.bin"
cmp -s "$T/t.bin" "$T/want.bin" || fail "cat -o bytes"
check cat-range 0 "$SGZ" cat "$T/demo.gguf.sgz" --range 1000:300000
tail -c +1001 "$T/demo.gguf" | head -c 300000 | cmp -s - "$T/out" || fail "cat --range bytes"
check cat-missing 1 "$SGZ" cat "$T/demo.gguf.sgz" blk.1.ffn_upp.weight
expect_err cat-missing "did you mean: blk.1.ffn_up.weight"
check cat-bad-range 1 "$SGZ" cat "$T/demo.gguf.sgz" --range 12
check cat-range-outside 1 "$SGZ" cat "$T/demo.gguf.sgz" --range 0:99999999999
# --range numbers: decimal even with a leading zero (never octal), 0x hex,
# K/M/G = KiB/MiB/GiB, OFFSET: to the end; anything else refused in one line.
range_is() {  # range_is NAME RANGE FIRST_BYTE(1-based) COUNT: cat --range equals the original's bytes
  check "range-$1" 0 "$SGZ" cat "$T/demo.gguf.sgz" --range "$2"
  tail -c +"$3" "$T/demo.gguf" | head -c "$4" | cmp -s - "$T/out" && ok ||
    fail "--range $2: not bytes $3.. ($4) of the original"
}
range_is leading-zero 0100:8 101 8
range_is leading-zero-9 09:4 10 4
range_is hex 0x40:8 65 8
range_is hex-upper 0X40:8 65 8
range_is kib 1K:16 1025 16
check range-mib 1 "$SGZ" cat "$T/demo.gguf.sgz" --range 0:1M  # demo.gguf is just under 1 MiB
expect_err range-mib "range \[0, +1048576) outside"
range_is mib-offset-zero 0M:4 1 4
demo_size=$(stat -c %s "$T/demo.gguf")
range_is to-end "$((demo_size - 1000)):" "$((demo_size - 999))" 1000
range_is to-end-hex 0x10: 17 "$demo_size"
[ "$(wc -c < "$T/out")" = "$((demo_size - 16))" ] && ok || fail "--range 0x10: length"
check range-end-empty 0 "$SGZ" cat "$T/demo.gguf.sgz" --range "$demo_size:"
[ -s "$T/out" ] && fail "--range SIZE: wrote bytes" || ok
check range-past-end 1 "$SGZ" cat "$T/demo.gguf.sgz" --range "$((demo_size + 1)):"
for bad in -1:4 +12:4 " 12:4" "12:4 " :4 abc:4 4:abc 1:2:3 0x:4 0xg:4 1Q:4 1KK:4 1k:4 1.5:4 12 "" \
           18446744073709551616:1 1:18446744073709551616 0x10000000000000000:1 17179869184G:1; do
  check "range-refused '$bad'" 1 "$SGZ" cat "$T/demo.gguf.sgz" --range "$bad"
  [ "$(wc -l < "$T/err")" = 1 ] && grep -qF -- "--range '$bad': " "$T/err" && ok ||
    fail "--range '$bad': not one line naming the option and value: $(cat "$T/err")"
done
check range-overflow 1 "$SGZ" cat "$T/demo.gguf.sgz" --range 18446744073709551616:1
expect_err range-overflow "offset '18446744073709551616' exceeds 2^64-1"

# Pipes: pack from stdin, unpack from stdin, both to stdout.
cat "$T/demo.gguf" | "$SGZ" pack - -c > "$T/piped.sgz" 2>"$T/err" || fail "pack from pipe"
want=$(sha256sum < "$T/demo.gguf")
got=$(cat "$T/piped.sgz" | "$SGZ" unpack - -c | sha256sum)
[ "$want" = "$got" ] && ok || fail "pipe round trip"
got=$(cat "$T/demo.gguf.sgz" | "$SGZ" unpack - -c | sha256sum)
[ "$want" = "$got" ] && ok || fail "cat file.sgz | sgz unpack - -c"
head -c 200000 "$T/demo.gguf.sgz" > "$T/cut.sgz"
"$SGZ" unpack - -c < "$T/cut.sgz" > /dev/null 2>"$T/err"
[ $? = 2 ] && ok || fail "truncated stream not exit 2"
expect_err truncated-stream "truncated"
check stdin-needs-output 1 "$SGZ" unpack -
# A 32-byte stream that announces a 1 GiB manifest: an error, without the memory.
{ head -c 16 "$T/demo.gguf.sgz"; printf 'SGZM\0\0\0\0\xef\xff\xff\x3f\0\0\0\0'; } > "$T/bomb.sgz"
/usr/bin/time -f "%M" -o "$T/rss" "$SGZ" unpack - -c < "$T/bomb.sgz" > /dev/null 2> "$T/err"
[ $? = 2 ] && ok || fail "manifest bomb: exit not 2" "$T/err"
[ "$(tail -1 "$T/rss")" -lt 200000 ] && ok || fail "manifest bomb used $(tail -1 "$T/rss") KB"

# Interrupted, size-limited or disk-full runs leave nothing behind.
for sig in INT TERM; do
  ( head -c 3000000 /dev/urandom; sleep 3 ) | "$SGZ" pack - -o "$T/interrupted.sgz" 2>/dev/null &
  pid=$!
  sleep 1
  ls "$T" | grep -q "interrupted.sgz.sgz-tmp" && ok || fail "no temporary while packing"
  kill -$sig $(pgrep -P $$ -x sgz) 2>/dev/null
  wait $pid 2>/dev/null
  if ls "$T" | grep -q interrupted; then fail "SIG$sig left output behind: $(ls "$T")"; else ok; fi
done
echo keep > "$T/limited.gguf"
( ulimit -f 100; "$SGZ" unpack "$T/demo.gguf.sgz" -o "$T/limited.gguf" -f ) 2>"$T/err"
[ $? = 3 ] && ok || fail "ulimit -f: exit not 3" "$T/err"
expect_err ulimit "File too large"
[ "$(cat "$T/limited.gguf")" = keep ] || fail "failed -f run replaced the existing file"
ls "$T" | grep -q sgz-tmp && fail "ulimit left a temporary"
check disk-full 3 "$SGZ" unpack "$T/demo.gguf.sgz" -o /dev/full -f
"$SGZ" unpack "$T/demo.gguf.sgz" -c > /dev/full 2>"$T/err"
[ $? = 3 ] && ok || fail "stdout disk full: exit not 3"
expect_err disk-full-stdout "No space left on device"

# info, verify, --json (parsed with python3's json module).
check info 0 "$SGZ" info "$T/demo.gguf.sgz"
grep -q "general.architecture *= 'llama'" "$T/out" || fail "info metadata"
grep -q "Q4_K *11" "$T/out" || fail "info tensor count by type"
check info-json 0 "$SGZ" info "$T/demo.gguf.sgz" --json
python3 - "$T/out" <<'PY' && ok || fail "info --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == "2.4" and d["kind"] == "gguf" and d["original_size"] == 1034400, d
assert d["gguf"]["tensors_by_type"] == {"F32": 5, "Q4_K": 11, "Q6_K": 5}, d["gguf"]["tensors_by_type"]
kv = {m["key"]: m for m in d["gguf"]["metadata"]}
assert kv["general.name"]["value"] == "sgz demo model"
assert kv["sgz.demo.i8"]["value"] == -128 and kv["sgz.demo.bool"]["value"] is True
assert kv["tokenizer.ggml.tokens"]["value"]["count"] == 512
assert sum(s["original"] for s in d["streams"]) == d["original_size"]
assert d["chunks"] >= 2  # small files pack several tensors per chunk
PY
check ls-json 0 "$SGZ" ls "$T/demo.gguf.sgz" --json
python3 - "$T/out" <<'PY' && ok || fail "ls --json"
import json, sys
d = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in d["tensors"]}
assert len(t) == 21 and t["token_embd.weight"]["shape"] == [256, 512] and t["token_embd.weight"]["size"] == 73728
assert all(x["stored"] > 0 for x in d["tensors"])
PY
check verify 0 "$SGZ" verify "$T/demo.gguf.sgz" --against "$T/demo.gguf"
grep -q "OK" "$T/out" || fail "verify output"
check verify-quiet 0 "$SGZ" verify "$T/demo.gguf.sgz" -q
[ -s "$T/out" ] && fail "-q printed something"
check verify-differs 2 "$SGZ" verify "$T/demo.gguf.sgz" --against "$SRC/fixtures/valid/all-types.gguf"
expect_err verify-differs "differs from"
# Several archives (ls, info, verify): a header per archive in text, one JSON
# array, the worst exit code of all; a single archive stays one object.
cp "$T/demo.gguf.sgz" "$T/second.sgz"
check ls-several 0 "$SGZ" ls "$T/demo.gguf.sgz" "$T/second.sgz"
[ "$(grep '^==> ' "$T/out" | tr '\n' '|')" = "==> $T/demo.gguf.sgz <==|==> $T/second.sgz <==|" ] &&
  [ "$(grep -c '^token_embd.weight ' "$T/out")" = 2 ] && ok || fail "ls several: headers/tables" "$T/out"
check info-several 0 "$SGZ" info "$T/demo.gguf.sgz" "$T/second.sgz"
[ "$(grep -c '^==> ' "$T/out")" = 2 ] && [ "$(grep -c '^archive: ' "$T/out")" = 2 ] && ok || fail "info several"
check ls-several-missing 3 "$SGZ" ls "$T/demo.gguf.sgz" "$T/nope.sgz" "$T/second.sgz"
[ "$(grep -c '^token_embd.weight ' "$T/out")" = 2 ] && ok || fail "ls stopped at a missing archive"
check verify-several 0 "$SGZ" verify "$T/demo.gguf.sgz" "$T/second.sgz"
[ "$(grep -c ': OK (' "$T/out")" = 2 ] && ok || fail "verify several"
check verify-several-worst 3 "$SGZ" verify "$T/bad.sgz" "$T/nope.sgz" "$T/demo.gguf.sgz"
check verify-several-corrupt 2 "$SGZ" verify "$T/demo.gguf.sgz" "$T/bad.sgz" --json
python3 - "$T/out" "$T/demo.gguf.sgz" "$T/bad.sgz" <<'PY' && ok || fail "verify several --json" "$T/out"
import json, sys
d = json.load(open(sys.argv[1]))
assert [x["archive"] for x in d] == sys.argv[2:4] and [x["ok"] for x in d] == [True, False], d
PY
check verify-several-against 1 "$SGZ" verify "$T/demo.gguf.sgz" "$T/second.sgz" --against "$T/demo.gguf"
for cmd in ls info; do
  check "$cmd-several-json" 3 "$SGZ" $cmd "$T/demo.gguf.sgz" "$T/nope.sgz" --json
  python3 - "$T/out" "$T/nope.sgz" <<'PY' && ok || fail "$cmd several --json" "$T/out"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 2 and d[0]["original_size"] == 1034400 and d[1] == {"archive": sys.argv[2], "ok": False, "exit_code": 3}, d
PY
  check "$cmd-one-json" 0 "$SGZ" $cmd "$T/demo.gguf.sgz" --json
  python3 -c 'import json, sys; assert isinstance(json.load(open(sys.argv[1])), dict)' "$T/out" && ok ||
    fail "$cmd --json of one archive is not one object"
done
check verify-damaged 2 "$SGZ" verify "$T/bad.sgz" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and "chunk" in d["error"]' "$T/out" \
  && ok || fail "verify --json on damage"
check verify-json 0 "$SGZ" verify "$T/demo.gguf.sgz" --json --against "$T/demo.gguf"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["matches"] and d["chunks_checked"] >= 2' "$T/out" \
  && ok || fail "verify --json"
check verify-missing 3 "$SGZ" verify "$T/nope.sgz"
check json-on-pack 1 "$SGZ" pack "$T/demo.gguf" -o "$T/j.sgz" --json
check verbose 0 "$SGZ" pack "$T/demo.gguf" -o "$T/v.sgz" -v
expect_err verbose "MB/s"
for cmd in pack unpack ls cat info verify; do
  check "help-$cmd" 0 "$SGZ" $cmd --help
  grep -q "examples:" "$T/out" || fail "$cmd --help has no examples"
  grep -q "exit codes" "$T/out" || fail "$cmd --help has no exit codes"
done
check presets 1 "$SGZ" pack "$T/demo.gguf" -o "$T/p.sgz" --fast --max

# Progress: a line on a terminal, nothing otherwise.
script -qec "$SGZ pack $T/demo.gguf -o $T/pty.sgz -T 1" /dev/null > "$T/pty.out" 2>&1
grep -q "packing .* MB/s" "$T/pty.out" && ok || fail "no progress line under a terminal" "$T/pty.out"
"$SGZ" pack "$T/demo.gguf" -o "$T/nopty.sgz" 2> "$T/err"
grep -q "MB/s" "$T/err" && fail "progress shown without a terminal" || ok
script -qec "$SGZ pack $T/demo.gguf -o $T/pty2.sgz -q" /dev/null > "$T/pty.out" 2>&1
grep -q "MB/s" "$T/pty.out" && fail "progress shown with -q" || ok

# A broken GGUF is still packed, with a notice, and comes back byte-exact.
check broken-gguf 0 "$SGZ" pack "$SRC/fixtures/invalid/wrong-offset.gguf" -o "$T/w.sgz"
expect_err broken-gguf "notice: not a valid GGUF file"
check broken-gguf-unpack 0 "$SGZ" unpack "$T/w.sgz" -o "$T/w.gguf"
cmp -s "$SRC/fixtures/invalid/wrong-offset.gguf" "$T/w.gguf" || fail "broken gguf round trip"

# Format 1.0 archives stay readable; another major version is refused (exit 4).
check format-1.0 0 "$SGZ" unpack "$SRC/fixtures/format-1.0/all-types.gguf.sgz" -o "$T/v1.gguf"
cmp -s "$SRC/fixtures/valid/all-types.gguf" "$T/v1.gguf" || fail "format 1.0 unpack"
check future-major 4 "$SGZ" unpack "$SRC/fixtures/invalid/future-major-version.sgz" -o "$T/f.out"
expect_err future-major "format version 3.0 is not supported"

# Stream names: one naming rule for pack --stats and info, so their tables are
# the same (names and numbers); transform-0 chunks are "meta" (GGUF metadata)
# or "raw". data-past-end.gguf has a header that parses but data that does not
# fit: it is packed opaque, and its would-be metadata chunks are "raw" too.
for f in "$T/demo.gguf" "$SRC/fixtures/invalid/data-past-end.gguf"; do
  "$SGZ" pack "$f" -o "$T/names.sgz" -f -q --stats > "$T/pack-streams"
  "$SGZ" info "$T/names.sgz" | sed -n '/^stream /,$p' > "$T/info-streams"
  if [ -s "$T/pack-streams" ] && cmp -s "$T/pack-streams" "$T/info-streams"; then ok; else
    fail "pack --stats and info streams differ for $(basename "$f"):"; diff "$T/pack-streams" "$T/info-streams"; fi
  bad=$(awk 'NR > 1 && $1 != "total" {print $1}' "$T/pack-streams" | grep -Ev '^(meta|raw|(ctx\.)?[A-Z0-9_]+\.(tail|[a-z_]+(\.b[0-9]+)?))$')
  [ -z "$bad" ] && ok || fail "stream names outside the spec's: $bad"
done
grep -q "^raw " "$T/pack-streams" && ! grep -q "^meta " "$T/pack-streams" && ok \
  || fail "opaque file: want raw and no meta" "$T/pack-streams"
"$SGZ" pack "$T/demo.gguf" -o "$T/names.sgz" -f -q --stats | grep -q "^meta " && ok \
  || fail "GGUF file: no meta stream"
"$SGZ" info "$T/names.sgz" --json > "$T/out"
python3 -c 'import json,sys; n={s["name"] for s in json.load(open(sys.argv[1]))["streams"]}; assert "meta" in n and "ctx.Q4_K.qs" in n and not n & {"other", "opaque"}, n' "$T/out" \
  && ok || fail "info --json stream names"

# Messages name the file once; a failed cat -o leaves nothing.
check not-archive-message 2 "$SGZ" ls "$SRC/fixtures/invalid/ERRORS.txt"
[ "$(cat "$T/err")" = "sgz: $SRC/fixtures/invalid/ERRORS.txt: not an sgz archive or a GGUF file" ] && ok \
  || fail "not-archive message: $(cat "$T/err")"
check cat-range-outside-file 1 "$SGZ" cat "$T/demo.gguf.sgz" --range 0:99999999999 -o "$T/never.bin"
[ ! -e "$T/never.bin" ] && ok || fail "cat left a partial output"
check cat-exists 1 "$SGZ" cat "$T/demo.gguf.sgz" --range 0:10 -o "$T/exists.gguf"
expect_err cat-exists "already exists (use -f to overwrite)"
check cat-disk-full 3 "$SGZ" cat "$T/demo.gguf.sgz" --range 0:300000 -o /dev/full
expect_err cat-disk-full "sgz: /dev/full: I/O error: .*No space left on device"
# -o DIR: the default name inside DIR (more in cli_attributes_test.sh).
mkdir "$T/outdir"
check pack-output-dir 0 "$SGZ" pack "$T/demo.gguf" -o "$T/outdir"
check unpack-output-dir 0 "$SGZ" unpack "$T/outdir/demo.gguf.sgz" -o "$T/outdir/"
cmp -s "$T/demo.gguf" "$T/outdir/demo.gguf" && ok || fail "-o DIR/"
check unpack-output-nodir 1 "$SGZ" unpack "$T/demo.gguf.sgz" -o "$T/nodir/"
expect_err unpack-output-nodir "sgz: $T/nodir/: no such directory"
# verify: an --against that cannot be opened is a plain error even with --json;
# an archive that cannot be opened is reported in the JSON.
check verify-against-missing 3 "$SGZ" verify "$T/demo.gguf.sgz" --against "$T/nope.gguf" --json
expect_err verify-against-missing "sgz: $T/nope.gguf: I/O error"
[ -s "$T/out" ] && fail "verify printed JSON for a missing --against" || ok
check verify-json-missing 3 "$SGZ" verify "$T/nope.sgz" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and "nope.sgz" in d["error"] and d["original_size"] == 0' "$T/out" \
  && ok || fail "verify --json on a missing archive" "$T/out"
check verify-shorter 2 "$SGZ" verify "$T/demo.gguf.sgz" --against "$T/want.bin"
expect_err verify-shorter "differs from $T/want.bin at byte 0"
head -c 1000 "$T/demo.gguf" > "$T/prefix.gguf"
check verify-prefix 2 "$SGZ" verify "$T/demo.gguf.sgz" --against "$T/prefix.gguf"
expect_err verify-prefix "differs from $T/prefix.gguf at byte 1000"
# Text on a full stdout is an I/O error, not a silent success.
for cmd in "ls $T/demo.gguf.sgz" "info $T/demo.gguf.sgz" "ls $T/demo.gguf.sgz --json" "--help"; do
  "$SGZ" $cmd > /dev/full 2> "$T/err"
  [ $? = 3 ] && grep -q "sgz: <stdout>: I/O error: No space left on device" "$T/err" && ok \
    || fail "$cmd > /dev/full: not exit 3 with a message" "$T/err"
done
# unpack --stats, from a file and from a pipe.
check unpack-stats 0 "$SGZ" unpack "$T/demo.gguf.sgz" -c --stats
expect_err unpack-stats "read [0-9]* of [0-9]* archive bytes in [0-9]* reads, decoded [0-9]* of [0-9]* chunks"
"$SGZ" unpack - -c --stats < "$T/demo.gguf.sgz" > "$T/out" 2> "$T/err"
expect_err unpack-stdin-stats "read $(stat -c %s "$T/demo.gguf.sgz") archive bytes sequentially, decoded [0-9]* chunks, wrote 1034400 bytes"
# Progress while unpacking and verifying, on a terminal.
script -qec "$SGZ unpack $T/demo.gguf.sgz -o $T/pty.gguf -T 1" /dev/null > "$T/pty.out" 2>&1
grep -q "unpacking .* MB/s" "$T/pty.out" && ok || fail "no unpack progress under a terminal" "$T/pty.out"
script -qec "$SGZ verify $T/demo.gguf.sgz -T 1" /dev/null > "$T/pty.out" 2>&1
grep -q "verifying .* MB/s" "$T/pty.out" && ok || fail "no verify progress under a terminal" "$T/pty.out"
script -qec "$SGZ pack $T/demo.gguf -o $T/pty3.sgz -T 1" /dev/null > "$T/pty.out" 2>&1
grep -q "packing .* MB / 1.0 MB (.*%), .* MB/s, ratio" "$T/pty.out" && ok || fail "pack progress lacks total or ratio" "$T/pty.out"
# A /proc file reports size 0 yet has content: packed as read() returns it.
if [ -r /proc/version ] && [ "$(stat -c %s /proc/version)" = 0 ]; then
  cat /proc/version > "$T/version.txt"
  check pack-zero-size-proc 0 "$SGZ" pack /proc/version -o "$T/version.sgz"
  check unpack-zero-size-proc 0 "$SGZ" unpack "$T/version.sgz" -o "$T/version.back"
  if [ -s "$T/version.txt" ] && cmp -s "$T/version.txt" "$T/version.back"; then ok; else
    fail "/proc/version not packed as read"; fi
fi

# Data on stdout: stdout carries nothing but the archive or the data, whatever
# the options; the stream table and -v lines go to stderr then.
tail -c +1001 "$T/demo.gguf" | head -c 300000 > "$T/range.want"
"$SGZ" cat "$T/demo.gguf.sgz" output.weight -o "$T/tensor.want"
for opts in "--stats" "-v" "--stats -v"; do
  for src in file pipe; do
    if [ $src = file ]; then "$SGZ" pack "$T/demo.gguf" -c $opts > "$T/c.sgz" 2> "$T/err"; else "$SGZ" pack - -c $opts < "$T/demo.gguf" > "$T/c.sgz" 2> "$T/err"; fi
    rc=$?
    "$SGZ" unpack "$T/c.sgz" -o "$T/c.gguf" -f 2>/dev/null && [ $rc = 0 ] && cmp -s "$T/demo.gguf" "$T/c.gguf" && ok \
      || fail "pack $src -c $opts: stdout is not exactly the archive (exit $rc)"
    expect_err "pack $src -c $opts table on stderr" "^total (archive)"
    if [ $src = file ]; then "$SGZ" unpack "$T/demo.gguf.sgz" -c $opts > "$T/out" 2> "$T/err"; else "$SGZ" unpack - -c $opts < "$T/demo.gguf.sgz" > "$T/out" 2> "$T/err"; fi
    [ $? = 0 ] && cmp -s "$T/demo.gguf" "$T/out" && ok || fail "unpack $src -c $opts: stdout is not exactly the data"
  done
  "$SGZ" cat "$T/demo.gguf.sgz" --range 1000:300000 $opts > "$T/out" 2> "$T/err"
  [ $? = 0 ] && cmp -s "$T/range.want" "$T/out" && ok || fail "cat --range $opts: stdout is not exactly the data"
  "$SGZ" cat "$T/demo.gguf.sgz" output.weight $opts > "$T/out" 2> "$T/err"
  [ $? = 0 ] && [ -s "$T/out" ] && cmp -s "$T/tensor.want" "$T/out" && ok || fail "cat tensor $opts: stdout is not exactly the data"
done

# Every command on a full stdout: exit 3 and one line naming <stdout> (never <stdin>).
T_ARCHIVE=$T/demo.gguf.sgz
for cmd in "ls $T_ARCHIVE" "ls $T_ARCHIVE --json" "info $T_ARCHIVE" "info $T_ARCHIVE --json" "verify $T_ARCHIVE" \
           "verify $T_ARCHIVE --json" "verify $T_ARCHIVE --against $T/demo.gguf" "verify $T_ARCHIVE --json --against $T/demo.gguf" \
           "--help" "--version" "pack --help" "cat $T_ARCHIVE output.weight" "cat $T_ARCHIVE --range 0:100 --stats" \
           "unpack $T_ARCHIVE -c" "unpack - -c" "pack $T/demo.gguf -c" "pack - -c" "pack $T/demo.gguf -c --stats"; do
  case "$cmd" in pack\ -*) stdin=$T/demo.gguf ;; *) stdin=$T_ARCHIVE ;; esac
  "$SGZ" $cmd < "$stdin" > /dev/full 2> "$T/err"
  rc=$?
  if [ $rc = 3 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -q "^sgz: <stdout>: I/O error" "$T/err" && ! grep -q "<stdin>" "$T/err"; then
    ok
  else
    fail "sgz $cmd > /dev/full: exit $rc, want 3 and one line naming <stdout>:" "$T/err"
  fi
done

# An output that is the same file as an input (also through a hard link or a
# symlink, also with -f, also as stdout or stdin) is refused before anything
# is written: exit 1, one line, the archive byte-identical.
cp "$T/demo.gguf.sgz" "$T/same.sgz"
ln "$T/same.sgz" "$T/hard.sgz"
ln -s same.sgz "$T/sym.sgz"
sum=$(sha256sum < "$T/same.sgz")
refused_over_input() {  # refused_over_input NAME (after a command wrote $T/err and set rc)
  if [ "$rc" = 1 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -q "refusing to write over an input (output is the same file as input" "$T/err" \
     && [ "$(sha256sum < "$T/same.sgz")" = "$sum" ] && [ -L "$T/sym.sgz" ] && [ "$(stat -c %h "$T/same.sgz")" = 2 ]; then
    ok
  else
    fail "$1: exit $rc, want 1, one refusal line and the archive unchanged:" "$T/err"
    cp "$T/demo.gguf.sgz" "$T/same.sgz"; rm -f "$T/hard.sgz" "$T/sym.sgz"; ln "$T/same.sgz" "$T/hard.sgz"; ln -s same.sgz "$T/sym.sgz"
  fi
}
for out in same hard sym; do
  for f in "" -f; do
    "$SGZ" cat "$T/same.sgz" output.weight -o "$T/$out.sgz" $f 2> "$T/err"; rc=$?; refused_over_input "cat -o $out $f"
    "$SGZ" cat "$T/same.sgz" --range 0:10 -o "$T/$out.sgz" $f 2> "$T/err"; rc=$?; refused_over_input "cat --range -o $out $f"
    "$SGZ" unpack "$T/same.sgz" -o "$T/$out.sgz" $f 2> "$T/err"; rc=$?; refused_over_input "unpack -o $out $f"
    "$SGZ" unpack - -o "$T/$out.sgz" $f < "$T/same.sgz" 2> "$T/err"; rc=$?; refused_over_input "unpack - -o $out $f"
    "$SGZ" pack "$T/same.sgz" -o "$T/$out.sgz" $f 2> "$T/err"; rc=$?; refused_over_input "pack -o $out $f"
    "$SGZ" pack - -o "$T/$out.sgz" $f < "$T/same.sgz" 2> "$T/err"; rc=$?; refused_over_input "pack - -o $out $f"
  done
  "$SGZ" unpack "$T/$out.sgz" -o "$T/same.sgz" -f 2> "$T/err"; rc=$?; refused_over_input "unpack $out -o same -f"
done
grep -q "^sgz: $T/same.sgz: " "$T/err" && ok || fail "refusal does not name the output: $(cat "$T/err")"
"$SGZ" cat "$T/same.sgz" output.weight >> "$T/same.sgz" 2> "$T/err"; rc=$?; refused_over_input "cat >> input"
"$SGZ" unpack "$T/same.sgz" -c >> "$T/hard.sgz" 2> "$T/err"; rc=$?; refused_over_input "unpack -c >> hard link"
"$SGZ" pack "$T/sym.sgz" -c >> "$T/same.sgz" 2> "$T/err"; rc=$?; refused_over_input "pack -c >> input"

finish
