#!/usr/bin/env bash
# Archives appended to (sgz add) read from a pipe: the superseded manifest
# and footer (whose minor may be below the header's) are stepped over, and
# the first member, written before the archive had member records, is
# unpacked under the name the manifest gives it (unpack - -C DIR,
# unpack - MEMBER -C DIR|-o FILE|-o -, verify -). A stream that ends in an
# interrupted add is refused, pointing at the archive file, and leaves
# nothing. Every output is compared byte for byte.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
F=$SRC/fixtures
PY=/usr/bin/python3
mkdir -p "$T/in"
cp "$F/demo.gguf" "$T/in/a.gguf"
cp "$F/demo.gguf" "$T/in/zc.gguf"  # added: copies of a.gguf's chunks across the add (those that line up: a.gguf alone was packed with small tensors grouped)
cp "$F/valid/big-endian.gguf" "$T/in/be.gguf"
printf 'hello world\n' > "$T/in/c.txt"

# minors ARCHIVE: the header's minor, then each footer's, in file order.
minors() {
  "$PY" - "$1" <<'PYEOF'
import struct, sys
b = open(sys.argv[1], 'rb').read()
out, at = [struct.unpack_from('<H', b, 10)[0]], b.find(b'\x89SGZEND\n')
while at >= 0:
    out.append(struct.unpack_from('<H', b, at - 6)[0])
    at = b.find(b'\x89SGZEND\n', at + 1)
print(' '.join(map(str, out)))
PYEOF
}
# files_are NAME DIR FILE...: DIR holds exactly FILE... (names below
# $T/in), each equal to its input.
files_are() {
  local name=$1 dir=$2 want got
  shift 2
  want=$(printf '%s\n' "$@" | sort)
  got=$(cd "$dir" && find . -mindepth 1 | sed 's|^\./||' | sort)
  [ "$want" = "$got" ] && ok || fail "$name: $dir holds '$got', want '$want'"
  for f in "$@"; do same "$name $f" "$T/in/$f" "$dir/$f"; done
}
# streams NAME ARCHIVE FILE...: ARCHIVE, read from a pipe, verifies and
# unpacks to exactly FILE... (the first is the member without a record, the
# second one added), all together, one by one, to a file and to stdout.
streams() {
  local name=$1 z=$2 d
  shift 2
  d=$(mktemp -d "$T/s.XXXXXX")
  cat "$z" | "$SGZ" verify - > /dev/null 2> "$T/err" && ok || fail "$name: verify -" "$T/err"
  mkdir "$d/all" "$d/first" "$d/added"
  cat "$z" | "$SGZ" unpack - -C "$d/all" 2> "$T/err" && ok || fail "$name: unpack - -C" "$T/err"
  files_are "$name: unpack - -C" "$d/all" "$@"
  cat "$z" | "$SGZ" unpack - "$1" -C "$d/first" 2> "$T/err" && ok || fail "$name: unpack - $1 -C" "$T/err"
  files_are "$name: unpack - $1 -C" "$d/first" "$1"
  cat "$z" | "$SGZ" unpack - "$2" -C "$d/added" 2> "$T/err" && ok || fail "$name: unpack - $2 -C" "$T/err"
  files_are "$name: unpack - $2 -C" "$d/added" "$2"
  for f in "$@"; do
    cat "$z" | "$SGZ" unpack - "$f" -o - > "$d/out" 2> "$T/err" && ok || fail "$name: unpack - $f -o -" "$T/err"
    same "$name: unpack - $f -o -" "$T/in/$f" "$d/out"
  done
  cat "$z" | "$SGZ" unpack - "$1" -o "$d/one" 2> "$T/err" && ok || fail "$name: unpack - $1 -o FILE" "$T/err"
  same "$name: unpack - $1 -o FILE" "$T/in/$1" "$d/one"
  rm -rf "$d"
}

# --- one file, then two added: the dead footer says 2.1, the header 2.2
Z=$T/z.sgz
check pack 0 "$SGZ" pack -q --format 2.3 "$T/in/a.gguf" -o "$Z"
cp "$Z" "$T/one.sgz"
check add 0 "$SGZ" add -q --format 2.3 "$Z" "$T/in/zc.gguf" "$T/in/be.gguf"
[ "$(minors "$Z")" = "2 1 2" ] && ok || fail "add: header and footers' minors '$(minors "$Z")', want '2 1 2'"
streams add "$Z" a.gguf zc.gguf be.gguf
# a second add: two dead footers
cp "$Z" "$T/z1.sgz"
check add2 0 "$SGZ" add -q --format 2.3 "$Z" "$T/in/c.txt"
[ "$(minors "$Z")" = "2 1 2 2" ] && ok || fail "add2: minors '$(minors "$Z")'"
streams add2 "$Z" a.gguf c.txt zc.gguf be.gguf

# The unnamed member's final name exists: refused at the end, without -f,
# and nothing else is left either; -f replaces it.
mkdir "$T/ex"
printf 'mine\n' > "$T/ex/a.gguf"
check exists 1 "$SGZ" unpack - -C "$T/ex" < "$Z"
refused exists "$T/ex/a.gguf: already exists"
[ "$(ls -A "$T/ex")" = a.gguf ] && [ "$(cat "$T/ex/a.gguf")" = mine ] && ok || fail "exists: left $(ls -A "$T/ex")"
check exists-f 0 "$SGZ" unpack - -C "$T/ex" -f < "$Z"
files_are exists-f "$T/ex" a.gguf c.txt zc.gguf be.gguf
# A selection that leaves it out: its temporary goes.
mkdir "$T/nosel"
check not-selected 0 "$SGZ" unpack - c.txt be.gguf -C "$T/nosel" < "$Z"
files_are not-selected "$T/nosel" c.txt be.gguf

# A manifest that names the unnamed member out of DIR (valid checksum):
# refused, nothing written inside DIR or beside it.
"$PY" - "$Z" "$T/evil.sgz" <<'PYEOF'
import struct, sys, xxhash
b = bytearray(open(sys.argv[1], 'rb').read())
mo, ms = struct.unpack_from('<QQ', b, len(b) - 40)
at = b.index(b'a.gguf', mo)
b[at:at + 6] = b'../a.g'
struct.pack_into('<Q', b, len(b) - 24, xxhash.xxh3_64_intdigest(bytes(b[mo:mo + ms])))
open(sys.argv[2], 'wb').write(b)
PYEOF
mkdir -p "$T/ev/in"
check hostile-name 2 "$SGZ" unpack - -C "$T/ev/in" < "$T/evil.sgz"
expect_err hostile-name "member name '../a.g' has a '..' component"
[ -z "$(ls -A "$T/ev/in")" ] && [ "$(ls -A "$T/ev")" = in ] && ok || fail "hostile-name: left $(find "$T/ev")"

# --- one file, no records at all: from a pipe as from the file, under its name
mkdir "$T/f1" "$T/p1"
check one-file 0 "$SGZ" unpack "$T/one.sgz" -C "$T/f1"
check one-stream 0 "$SGZ" unpack - -C "$T/p1" < "$T/one.sgz"
files_are one-file "$T/f1" a.gguf
files_are one-stream "$T/p1" a.gguf
check one-stream-exists 1 "$SGZ" unpack - -C "$T/p1" < "$T/one.sgz"
refused one-stream-exists "$T/p1/a.gguf: already exists"
check one-stream-named 0 "$SGZ" unpack - a.gguf -o - < "$T/one.sgz"
same one-stream-named "$T/in/a.gguf" "$T/out"
check one-stream-other 1 "$SGZ" unpack - b.gguf -o "$T/b.gguf" < "$T/one.sgz"
refused one-stream-other "no member 'b.gguf'"
[ ! -e "$T/b.gguf" ] && ok || fail "one-stream-other left its output"

# --- an interrupted add: the stream ends in what it appended, after a
# complete archive. A reader of the file recovers that archive; a stream
# cannot go back to it: refused (exit 2), pointing at the file, nothing left.
old=$(stat -c %s "$T/z1.sgz") new=$(stat -c %s "$Z")
cp "$T/z1.sgz" "$T/full.sgz" && check add3 0 "$SGZ" add -q --format 2.3 "$T/full.sgz" "$T/in/c.txt"
# interrupted_at NAME FILE: refused from a pipe, recovered from the file.
interrupted_at() {
  local d
  d=$(mktemp -d "$T/i.XXXXXX")
  check "$1 -C" 2 "$SGZ" unpack - -C "$d" < "$2"
  expect_err "$1 -C" "the first $old bytes are a complete archive: if an add to it was interrupted, unpack the archive file"
  [ "$(wc -l < "$T/err")" = 1 ] && ok || fail "$1: not one line" "$T/err"
  [ -z "$(ls -A "$d")" ] && ok || fail "$1 -C: left $(ls -A "$d")"
  check "$1 -o" 2 "$SGZ" unpack - a.gguf -o "$d/a" < "$2"
  expect_err "$1 -o" "the first $old bytes are a complete archive"
  [ -z "$(ls -A "$d")" ] && ok || fail "$1 -o: left $(ls -A "$d")"
  check "$1 verify" 2 "$SGZ" verify - < "$2"
  expect_err "$1 verify" "the first $old bytes are a complete archive"
  check "$1 file" 0 "$SGZ" unpack -q "$2" -C "$d"
  files_are "$1 file" "$d" a.gguf zc.gguf be.gguf
  rm -rf "$d"
}
for off in $((old + 1)) $((old + 4)) $((old + 20)) $(((old + new) / 2)) $((new - 41)) $((new - 40)) $((new - 1)); do
  head -c "$off" "$T/full.sgz" > "$T/t.sgz"
  interrupted_at "trunc $off" "$T/t.sgz"
done
# The first add complete but for the header's minor, rewritten last (its
# chunks are already refused as 2.2's, before its footer is reached).
"$PY" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[10] = 1; open(sys.argv[2], "wb").write(b)' \
  "$T/z1.sgz" "$T/nominor.sgz"
mkdir "$T/nm"
check nominor-C 2 "$SGZ" unpack - -C "$T/nm" < "$T/nominor.sgz"
expect_err nominor-C "the first $(stat -c %s "$T/one.sgz") bytes are a complete archive: if an add to it was interrupted, unpack the archive file, whose reader recovers them)$"
[ -z "$(ls -A "$T/nm")" ] && ok || fail "nominor-C: left $(ls -A "$T/nm")"
# The archive file recovers it (the random-access reader checks the header
# against the last footer when its suffix read did not hold the header): the
# archive as it was before the add, with the add's bytes ignored.
rm -rf "$T/nm"; mkdir "$T/nm"
check nominor-file 0 "$SGZ" unpack "$T/nominor.sgz" -C "$T/nm"
expect_err nominor-file "ignoring $(( $(stat -c %s "$T/nominor.sgz") - $(stat -c %s "$T/one.sgz") )) bytes after the last complete manifest"
[ "$(cd "$T/nm" && find . -type f | sort)" = "./a.gguf" ] && ok || fail "nominor-file: $(cd "$T/nm" && find . -type f)"
cmp -s "$T/in/a.gguf" "$T/nm/a.gguf" && ok || fail "nominor-file: a.gguf differs"
# A dead footer whose minor is above the header's is no add's.
"$PY" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); e = b.find(b"\x89SGZEND\n"); b[e - 6] = 3; open(sys.argv[2], "wb").write(b)' \
  "$Z" "$T/above.sgz"
check dead-above 2 "$SGZ" verify - < "$T/above.sgz"
expect_err dead-above "footer at offset [0-9]* (superseded): format version 2.3 is not the header's 2.2 or an earlier minor"

# --- the zoo: the parent, then the other 11 added; from a pipe, in bounded memory
ZOO=${SGZ_CORPUS:-}/zoo
if [ -n "${SGZ_CORPUS:-}" ] && [ -d "$ZOO" ]; then
  check zoo-pack 0 "$SGZ" pack -q --format 2.3 "$ZOO/esrgan-zoo-BF16.gguf" -o "$T/zoo.sgz"
  mapfile -t rest < <(find "$ZOO" -name '*.gguf' ! -name '*BF16*' | sort)
  check zoo-add 0 "$SGZ" add -q --format 2.3 "$T/zoo.sgz" "${rest[@]}"
  mkdir "$T/zs"
  run /usr/bin/time -v "$SGZ" unpack - -C "$T/zs" < "$T/zoo.sgz"
  [ "$rc" = 0 ] && ok || fail "zoo unpack - -C: exit $rc" "$T/err"
  [ "$(find "$T/zs" -type f | wc -l)" = 12 ] && ok || fail "zoo unpack - -C: not 12 files"
  for f in "$ZOO"/*; do same "zoo unpack - -C ${f##*/}" "$f" "$T/zs/${f##*/}"; done
  peak_below "zoo unpack - -C" 20480
  check zoo-verify 0 "$SGZ" verify - < "$T/zoo.sgz"
else
  echo "SKIP zoo: SGZ_CORPUS not set"
fi

finish
