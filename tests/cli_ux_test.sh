#!/usr/bin/env bash
# The command line as people meet it: one-line messages that name the file
# once and say what is wrong, option errors naming the option and value,
# options a command does not take refused, -v on every command, - for the
# commands that can read a stream, and no binary data to or from a terminal
# without -f (under a pseudo-terminal, from script(1) or python3's pty).
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"

cp "$SRC/fixtures/demo.gguf" "$T/demo.gguf"
A=$T/demo.gguf.sgz
"$SGZ" pack "$T/demo.gguf" -o "$A" -q || fail "pack"
"$SGZ" unpack "$A" -o "$T/back.gguf" -q && cmp -s "$T/demo.gguf" "$T/back.gguf" || fail "demo round trip"

# --- Messages: "sgz: FILE: what is wrong", the file named once, no jargon.
run "$SGZ" pack "$T/demo.gguf" -o "$A"
one_line pack-exists 1 "sgz: $A: already exists (use -f to overwrite)"
run "$SGZ" unpack "$A" -o "$T/back.gguf"
one_line unpack-exists 1 "sgz: $T/back.gguf: already exists (use -f to overwrite)"
run "$SGZ" cat "$A" output.weight -o "$T/back.gguf"
one_line cat-exists 1 "sgz: $T/back.gguf: already exists (use -f to overwrite)"
for cmd in "unpack $T/nope.sgz" "ls $T/nope.sgz" "info $T/nope.sgz" "verify $T/nope.sgz" "cat $T/nope.sgz x" "pack $T/nope.sgz -o $T/n.sgz"; do
  run "$SGZ" $cmd
  one_line "missing: $cmd" 3 "sgz: $T/nope.sgz: I/O error: No such file or directory"
done
run "$SGZ" ls "$T"
one_line ls-directory 1 "sgz: $T: not a regular file"
mkfifo "$T/fifo"
run "$SGZ" pack "$T/demo.gguf" "$T/fifo" -o "$T/d.sgz"
one_line pack-pipe-member 1 "sgz: $T/fifo: not a regular file or directory (a pipe); sgz packs files and directories only"
[ ! -e "$T/d.sgz" ] && ok || fail "pack-pipe-member left $T/d.sgz"
run "$SGZ" unpack "$A" -o "$T/no/such/dir.gguf"
one_line unpack-no-dir 3 "sgz: $T/no/such/dir.gguf: I/O error: No such file or directory"
# A damaged chunk, a damaged manifest, an unknown major version: one line,
# "corrupt" once, "checksum" once, the file once.
cp "$A" "$T/bad.sgz"
size=$(stat -c %s "$T/bad.sgz")
printf '\xff\xff\xff\xff' | dd of="$T/bad.sgz" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cp "$A" "$T/badm.sgz"
printf '\x01' | dd of="$T/badm.sgz" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
for cmd in "unpack $T/bad.sgz -o $T/x.gguf" "cat $T/bad.sgz --range 0:$size -o $T/x.gguf"; do
  run "$SGZ" $cmd
  if [ $rc = 2 ] && grep -q "^sgz: $T/bad.sgz: corrupt: chunk [0-9]* (tensors\{0,1\} '[^)]*): decoded bytes do not match the chunk checksum$" "$T/err" &&
     [ "$(wc -l < "$T/err")" = 1 ] && [ ! -e "$T/x.gguf" ]; then ok; else fail "damaged chunk: $cmd: exit $rc:" "$T/err"; fi
done
run "$SGZ" verify - < "$T/bad.sgz"
[ $rc = 2 ] && grep -q "^sgz: <stdin>: corrupt: chunk [0-9]* at offset [0-9]*: decoded bytes do not match the chunk checksum$" "$T/err" && ok ||
  fail "verify - damaged chunk: exit $rc:" "$T/err"
run "$SGZ" ls "$T/badm.sgz"
one_line manifest-damaged 2 "sgz: $T/badm.sgz: corrupt: manifest: checksum does not match its bytes"
run "$SGZ" info "$SRC/fixtures/invalid/future-major-version.sgz"
one_line future-major 4 "sgz: $SRC/fixtures/invalid/future-major-version.sgz: header: format version 3.0 is not supported (this sgz reads 1.x and 2.x)"
run "$SGZ" cat "$A" no.such.tensor
one_line cat-no-tensor 1 "sgz: $A: no tensor named 'no.such.tensor' (21 tensors); see 'sgz ls $A'"
# The library's texts carry no advice for the command line.
if grep -rn "use -f\|'sgz \|sgz ls" "$SRC/src/api" "$SRC/src/container" "$SRC/src/streams" "$SRC/src/common" > "$T/grep"; then
  fail "command-line advice in library texts:"; cat "$T/grep"; else ok; fi

# Plurals: a one-chunk archive says "1 chunk".
head -c 5000 "$T/demo.gguf" > "$T/small.bin"
run "$SGZ" pack "$T/small.bin" -o "$T/small.sgz"
"$SGZ" unpack "$T/small.sgz" -c | cmp -s - "$T/small.bin" &&
  grep -q "^$T/small.sgz: 4.9K -> [0-9]* bytes (ratio [0-9.]*), 1 chunk$" "$T/err" && ok || fail "pack: 1 chunk, round trip:" "$T/err"
run "$SGZ" verify "$T/small.sgz"
grep -q "^$T/small.sgz: OK (4.9K, 1 chunk, every checksum verified)$" "$T/out" && ok || fail "verify: 1 chunk:" "$T/out"
run "$SGZ" cat "$T/small.sgz" --range 0:10 --stats
grep -q "^read [0-9]* of [0-9]* archive bytes in [0-9]* reads, decoded 1 of 1 chunk$" "$T/err" && ok || fail "cat --stats: 1 chunk:" "$T/err"
run "$SGZ" unpack - -c --stats < "$T/small.sgz"
grep -q "^read [0-9]* archive bytes sequentially, decoded 1 chunk, wrote 5000 bytes$" "$T/err" && ok || fail "unpack --stats: 1 chunk:" "$T/err"
run "$SGZ" info "$T/small.sgz"
grep -q "^archive: .*, 1 chunk)$" "$T/out" && ok || { fail "info: 1 chunk:"; grep archive: "$T/out"; }
head -c 1 "$T/demo.gguf" > "$T/one.bin"
"$SGZ" pack -q "$T/one.bin" -o "$T/one.sgz" && "$SGZ" unpack -q "$T/one.sgz" -c | cmp -s - "$T/one.bin" || fail "one-byte round trip"
run "$SGZ" cat "$T/one.sgz" --range 0:2
one_line "one byte" 1 "sgz: $T/one.sgz: range [0, +2) outside the original file (1 byte)"

# Option errors: sgz's style, naming the option and the value.
opt_error() {  # opt_error WANT_LINE ARGS...
  local want=$1
  shift
  run "$SGZ" "$@"
  one_line "option error: $*" 1 "$want (see 'sgz --help')"
}
opt_error "sgz: -l: 'abc' is not a number" pack "$T/demo.gguf" -o "$T/o.sgz" -l abc
opt_error "sgz: -l: 'abc' is not a number" pack "$T/demo.gguf" -o "$T/o.sgz" --level=abc
opt_error "sgz: -l: '1.5' is not a number" pack "$T/demo.gguf" -o "$T/o.sgz" -l 1.5
opt_error "sgz: -l: '99999999999' is out of range" pack "$T/demo.gguf" -o "$T/o.sgz" -l 99999999999
opt_error "sgz: -T: '-1' is negative" pack "$T/demo.gguf" -o "$T/o.sgz" -T -1
opt_error "sgz: -T: 'x' is not a number" unpack "$A" -o "$T/o.gguf" -T x
opt_error "sgz: -T: '99999999999' is too large (at most 4294967295)" verify "$A" -T 99999999999
opt_error "sgz: --chunk-size: '64k' is not a number" pack "$T/demo.gguf" -o "$T/o.sgz" --chunk-size 64k
opt_error "sgz: --chunk-size: '18014398509481988' is too large (at most 18014398509481983)" pack "$T/demo.gguf" -o "$T/o.sgz" --chunk-size 18014398509481988
opt_error "sgz: -o: needs a value, as in -o FILE" pack "$T/demo.gguf" -o
opt_error "sgz: --range: needs a value, as in --range OFFSET:LENGTH" cat "$A" --range
opt_error "sgz: unknown option --bogus" pack "$T/demo.gguf" --bogus
opt_error "sgz: unknown option --verbos (did you mean --verbose?)" pack "$T/demo.gguf" --verbos
opt_error "sgz: unknown option -x" pack "$T/demo.gguf" -x
opt_error "sgz: --json: takes no value (given '3')" ls "$A" --json=3
[ ! -e "$T/o.sgz" ] && [ ! -e "$T/o.gguf" ] && ok || fail "a refused command line wrote a file"

# --- Options a command does not take, and conflicts: one line, nothing written.
while read -r want cmd; do  # WANT: the message, '.' for each space; @: the test directory
  run "$SGZ" ${cmd//@/$T/}
  refused "$cmd" "$want"
done <<EOF
-o/--output.is.for.pack,.unpack.and.cat,.not.ls ls @demo.gguf.sgz -o @never
-c/--stdout.is.for.pack,.unpack.and.cat,.not.ls ls @demo.gguf.sgz -c
-f/--force.is.for.pack,.unpack,.cat,.verify.and.mount,.not.info info @demo.gguf.sgz -f
-T/--threads.is.for.pack,.unpack,.cat,.verify,.add.and.mount,.not.ls ls @demo.gguf.sgz -T 2
--stats.is.for.pack,.unpack,.cat.and.add,.not.info info @demo.gguf.sgz --stats
--range.is.for.cat,.not.ls ls @demo.gguf.sgz --range 0:1
--against.is.for.verify,.not.pack pack @demo.gguf -o @never --against @demo.gguf
--range.is.for.cat,.not.pack pack @demo.gguf -o @never --range 0:1
--max.is.for.pack.and.add,.not.unpack unpack @demo.gguf.sgz -o @never --max
--fast.is.for.pack.and.add,.not.unpack unpack @demo.gguf.sgz -o @never --fast
-l/--level.is.for.pack.and.add,.not.unpack unpack @demo.gguf.sgz -o @never -l 3
--chunk-size.is.for.pack.and.add,.not.cat cat @demo.gguf.sgz output.weight -o @never --chunk-size 64
--against.is.for.verify,.not.unpack unpack @demo.gguf.sgz -o @never --against @demo.gguf
--json.is.for.ls,.info.and.verify,.not.cat cat @demo.gguf.sgz output.weight -o @never --json
-k/--keep.is.for.pack.and.unpack,.not.cat cat @demo.gguf.sgz output.weight -o @never -k
-o/--output.is.for.pack,.unpack.and.cat,.not.verify verify @demo.gguf.sgz -o @never
--stats.is.for.pack,.unpack,.cat.and.add,.not.verify verify @demo.gguf.sgz --stats
-l/--level.is.for.pack.and.add,.not.verify verify @demo.gguf.sgz -l 3
give.-c.(standard.output).or.-o.FILE,.not.both pack @demo.gguf -o @never -c
give.-c.(standard.output).or.-o.FILE,.not.both unpack @demo.gguf.sgz -o @never -c
give.-c.(standard.output).or.-o.FILE,.not.both cat @demo.gguf.sgz output.weight -c -o @never
give.-q.(quiet).or.-v.(verbose),.not.both pack @demo.gguf -o @never -q -v
give.-q.(quiet).or.-v.(verbose),.not.both unpack @demo.gguf.sgz -o @never -qv
give.-q.(quiet).or.-v.(verbose),.not.both verify @demo.gguf.sgz -q -v
give.-q.(quiet).or.-v.(verbose),.not.both ls @demo.gguf.sgz -v -q
-o.given.more.than.once pack @demo.gguf -o @never -o @never2
--range.given.more.than.once cat @demo.gguf.sgz --range 0:1 --range 2:3 -o @never
-T.given.more.than.once verify @demo.gguf.sgz -T 1 -T 2
EOF
[ ! -e "$T/never" ] && [ ! -e "$T/never2" ] && ok || fail "a refused command wrote its output"
# Every option on every command: refused exactly when the command does not
# take it (a missing input makes the taken ones fail later, with exit 3).
declare -A TAKES=([pack]="output stdout level fast max chunk-size threads force keep quiet verbose stats"
                  [unpack]="output stdout threads force keep quiet verbose stats"
                  [cat]="output stdout range threads force quiet verbose stats" [ls]="json quiet verbose"
                  [info]="json quiet verbose" [verify]="against json threads force quiet verbose")
declare -A GIVE=([output]="-o $T/never" [stdout]=-c [level]="-l 3" [fast]=--fast [max]=--max [chunk-size]="--chunk-size 64"
                 [threads]="-T 1" [force]=-f [keep]=-k [quiet]=-q [verbose]=-v [json]=--json [stats]=--stats
                 [range]="--range 0:1" [against]="--against $T/demo.gguf")
for cmd in pack unpack cat ls info verify; do
  got= want=
  for key in output stdout level fast max chunk-size threads force keep quiet verbose json stats range against; do
    case " ${TAKES[$cmd]} " in *" $key "*) ;; *) want="$want $key" ;; esac
    in=$T/missing.sgz
    [ $cmd = cat ] && [ $key != range ] && in="$in t"
    run "$SGZ" $cmd $in ${GIVE[$key]}
    if [ $rc = 1 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -q "^sgz: [-a-zA-Z/]* is for [a-z, ]*, not $cmd (see 'sgz --help')$" "$T/err"; then
      got="$got $key"
    fi
  done
  [ "$got" = "$want" ] && ok || fail "$cmd refuses [$got ] want [$want ]"
done

run "$SGZ" help ls
grep -q "^options taken: -q/--quiet, -v/--verbose, --json, --bytes, --timeout, --download$" "$T/out" && grep -q -- "-v  *also the chunks holding each tensor" "$T/out" && ok ||
  fail "help ls: options taken, -v" "$T/out"

# cat -c is standard output, as without -o; with -o it is refused.
run "$SGZ" cat "$A" output.weight -c
"$SGZ" cat "$A" output.weight -o "$T/ow.bin"
[ $rc = 0 ] && cmp -s "$T/out" "$T/ow.bin" && "$SGZ" cat "$A" output.weight -c -o "$T/ow2.bin" 2> /dev/null
[ $? = 1 ] && [ ! -e "$T/ow2.bin" ] && ok || fail "cat -c: standard output, refused with -o"

# --- -v on every command, and nothing more without it.
run "$SGZ" unpack "$A" -o "$T/v.gguf" -v
grep -q "^$A: [0-9.]*[KM] -> $T/v.gguf (1011K), [0-9]* chunks, [0-9.]* s, [0-9.]*[KMG]/s$" "$T/err" && [ "$(wc -l < "$T/err")" = 1 ] &&
  cmp -s "$T/demo.gguf" "$T/v.gguf" && ok || fail "unpack -v:" "$T/err"
run "$SGZ" unpack - -c -v < "$A"
grep -q "^<stdin>: [0-9.]*[KM] -> <stdout> (1011K), [0-9]* chunks, " "$T/err" && cmp -s "$T/demo.gguf" "$T/out" && ok || fail "unpack - -c -v:" "$T/err"
run "$SGZ" verify "$A" -v
grep -q "^$A: [0-9.]*[KM] archive, 1011K original, [0-9]* chunks checked, [0-9.]* s, [0-9.]*[KMG]/s$" "$T/err" && ok || fail "verify -v:" "$T/err"
run "$SGZ" cat "$A" output.weight -v
grep -q "^read [0-9]* of [0-9]* archive bytes in [0-9]* reads, decoded [0-9]* of [0-9]* chunks$" "$T/err" && cmp -s "$T/out" "$T/ow.bin" && ok ||
  fail "cat -v:" "$T/err"
run "$SGZ" ls "$A" -v
"$SGZ" ls "$A" > "$T/ls.plain"
"$SGZ" ls "$A" --json > "$T/ls.json"
python3 - "$T/out" "$T/ls.plain" "$T/ls.json" <<'PY' && ok || fail "ls -v: chunks per tensor"
import json, sys
verbose = open(sys.argv[1]).read().splitlines()
plain = open(sys.argv[2]).read().splitlines()
tensors = json.load(open(sys.argv[3]))["tensors"]
assert verbose[0].split()[-1] == "chunks" and "chunks" not in plain[0], (verbose[0], plain[0])
for row, t in zip(verbose[1:], tensors):
    first, n = t["first_chunk"], t["chunks"]
    assert n >= 1 and row.split()[-1] == (str(first) if n == 1 else f"{first}-{first + n - 1}"), (row, t)
# Chunks follow one another: each tensor starts in the chunk where the previous one
# ended (small tensors share chunks) or after it.
ends = [t["first_chunk"] + t["chunks"] for t in tensors]
assert all(t["first_chunk"] >= e - 1 for t, e in zip(tensors[1:], ends)), ends
PY
run "$SGZ" info "$A" -v
"$SGZ" info "$A" > "$T/info.plain"
grep -q "^tensor type  *original  *stored  *ratio$" "$T/out" && grep -q "^Q4_K  *576K  *[0-9.]*K  *[0-9.]*$" "$T/out" &&
  ! grep -q "^tensor type" "$T/info.plain" && ok || fail "info -v: per type sizes" "$T/out"

# --- "-": verify and cat --range read a stream; ls, info and cat TENSOR say why not.
run "$SGZ" verify - < "$A"
[ $rc = 0 ] && [ "$(cat "$T/out")" = "<stdin>: OK (1011K, $("$SGZ" info "$A" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks"])') chunks, every checksum verified)" ] &&
  ok || { fail "verify -: exit $rc"; cat "$T/out" "$T/err"; }
run "$SGZ" verify - --against "$T/demo.gguf" < "$A"
[ $rc = 0 ] && grep -q "identical to $T/demo.gguf" "$T/out" && ok || fail "verify - --against" "$T/err"
run "$SGZ" verify - --against "$T/small.bin" < "$A"
one_line verify-stdin-differs 2 "sgz: <stdin>: differs from $T/small.bin at byte 5000"
head -c 200000 "$A" | "$SGZ" verify - > "$T/out" 2> "$T/err"
rc=$?
[ $rc = 2 ] && grep -q "^sgz: <stdin>: corrupt: .*truncated" "$T/err" && ok || fail "verify - truncated: exit $rc" "$T/err"
run "$SGZ" verify - --json < "$A"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["archive"] == "-" and d["original_size"] == 1034400, d' "$T/out" && ok ||
  fail "verify - --json"
run "$SGZ" verify - --against - < "$A"
one_line verify-stdin-twice 1 "sgz: <stdin>: standard input cannot be both the archive and the file to compare with"
run "$SGZ" cat - --range 1000:300000 < "$A"
tail -c +1001 "$T/demo.gguf" | head -c 300000 | cmp -s - "$T/out" && [ $rc = 0 ] && ok || fail "cat - --range bytes"
run "$SGZ" cat - --range 0x10: -o "$T/tail.bin" -v < "$A"
tail -c +17 "$T/demo.gguf" | cmp -s - "$T/tail.bin" && grep -q "^read [0-9]* archive bytes sequentially, decoded [0-9]* chunks$" "$T/err" && ok ||
  fail "cat - --range OFFSET: -o -v" "$T/err"
run "$SGZ" cat - --range 1000:99999999 -o "$T/never.bin" < "$A"
[ ! -e "$T/never.bin" ] && one_line cat-stdin-outside 1 "sgz: <stdin>: range [1000, +99999999) outside the original file (1034400 bytes)" ||
  fail "cat - left a partial output"
run "$SGZ" cat - --range 0:100 < "$T/bad.sgz"
[ $rc = 2 ] && grep -q "^sgz: <stdin>: corrupt: chunk" "$T/err" && ok || fail "cat - damaged: exit $rc" "$T/err"
run "$SGZ" cat - output.weight < "$A"
refused cat-stdin-tensor "^sgz: <stdin>: cat TENSOR needs a seekable archive file .*or read a byte range with --range$"
for cmd in ls info; do
  run "$SGZ" $cmd - < "$A"
  refused "$cmd -" "^sgz: <stdin>: $cmd needs a seekable archive file (its manifest is at the end); give the file's name instead of -$"
  run "$SGZ" $cmd "$A" - < "$A"
  refused "$cmd FILE -" "^sgz: <stdin>: $cmd needs a seekable archive file"
done
# A full standard output is named <stdout>, also when the input is standard input.
for cmd in "verify -" "cat - --range 0:300000" "cat - --range 0:"; do
  "$SGZ" $cmd < "$A" > /dev/full 2> "$T/err"
  rc=$?
  [ $rc = 3 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -q "^sgz: <stdout>: I/O error: No space left on device$" "$T/err" && ok ||
    fail "$cmd > /dev/full: exit $rc" "$T/err"
done

# --- No binary data to or from a terminal without -f (as zstd).
pty_run() {  # pty_run SHELL_COMMAND: runs it on a pseudo-terminal; output in $T/pty, exit code in $rc
  if command -v script > /dev/null; then
    script -qec "$1" /dev/null < /dev/null > "$T/pty" 2>&1
  else
    python3 -c 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(["sh", "-c", sys.argv[1]])))' "$1" > "$T/pty" 2>&1 < /dev/null
  fi
  rc=$?
  tr -d '\r' < "$T/pty" > "$T/pty.txt"
}
if ! { command -v script > /dev/null || python3 -c 'import pty, os; os.waitstatus_to_exitcode' 2> /dev/null; } ||
   ! pty_run "test -t 0 && test -t 1" || [ $rc != 0 ]; then
  echo "SKIP terminal checks: no pseudo-terminal (script(1) or python3 pty)"
else
  tty_refused() {  # tty_refused NAME WHICH SHELL_COMMAND: refused with one line, nothing else printed
    pty_run "$3"
    if [ $rc = 1 ] && [ "$(cat "$T/pty.txt")" = "sgz: <$2>: is a terminal; $4" ]; then ok; else
      fail "$1 on a terminal: exit $rc, output:"; head -c 300 "$T/pty.txt"; echo; fi
  }
  OUT="not writing binary data to it (use -o FILE, or -f to force)"
  IN="not reading binary data from it (use -f to force)"
  tty_refused "cat tensor" stdout "$SGZ cat $A output.weight" "$OUT"
  tty_refused "cat --range -o -" stdout "$SGZ cat $A --range 0:100 -o -" "$OUT"
  tty_refused "cat - --range" stdout "$SGZ cat - --range 0:100 < $A" "$OUT"
  tty_refused "pack -c" stdout "$SGZ pack $T/demo.gguf -c" "$OUT"
  tty_refused "pack -o -" stdout "$SGZ pack $T/demo.gguf -o -" "$OUT"
  tty_refused "unpack -c" stdout "$SGZ unpack $A -c" "$OUT"
  tty_refused "unpack -o -" stdout "$SGZ unpack $A -o -" "$OUT"
  tty_refused "unpack - -c" stdout "$SGZ unpack - -c < $A" "$OUT"
  tty_refused "unpack - from a terminal" stdin "$SGZ unpack - -o $T/tty.gguf" "$IN"
  tty_refused "pack - from a terminal" stdin "$SGZ pack - -o $T/tty.sgz" "$IN"
  tty_refused "verify - from a terminal" stdin "$SGZ verify -" "$IN"
  tty_refused "verify --against - from a terminal" stdin "$SGZ verify $A --against -" "$IN"
  tty_refused "cat - from a terminal" stdin "$SGZ cat - --range 0:10 -o $T/tty.bin" "$IN"
  # Files and text are fine on a terminal; nothing was written by the refused commands.
  pty_run "$SGZ unpack $A -o $T/tty-o.gguf && $SGZ ls $A && $SGZ cat $A output.weight -o $T/tty-o.bin"
  [ $rc = 0 ] && cmp -s "$T/demo.gguf" "$T/tty-o.gguf" && cmp -s "$T/ow.bin" "$T/tty-o.bin" &&
    [ ! -e "$T/tty.gguf" ] && [ ! -e "$T/tty.sgz" ] && [ ! -e "$T/tty.bin" ] && ok ||
    fail "files and text on a terminal (exit $rc), or a refused terminal command wrote a file" "$T/pty.txt"
  # -f forces: the same commands go through.
  pty_run "$SGZ cat $A --range 0:4"
  refused_rc=$rc
  pty_run "$SGZ cat $A --range 0:4 -f"
  [ $refused_rc = 1 ] && [ $rc = 0 ] && [ "$(cat "$T/pty.txt")" = GGUF ] && ok || fail "cat -f on a terminal: exit $rc" "$T/pty.txt"
  pty_run "$SGZ unpack $A -c"
  refused_rc=$rc
  pty_run "$SGZ unpack $A -c -f -q"
  [ $refused_rc = 1 ] && [ $rc = 0 ] && [ "$(head -c 4 "$T/pty.txt")" = GGUF ] && ok || { fail "unpack -c -f on a terminal: exit $rc"; head -c 300 "$T/pty.txt"; }
fi

finish
