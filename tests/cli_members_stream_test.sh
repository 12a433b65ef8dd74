#!/usr/bin/env bash
# Archives of several members unpacked from a pipe (unpack - -C DIR,
# unpack - MEMBER... -C DIR, unpack - MEMBER -o FILE|-, verify -): byte for
# byte, copies whose target member is not selected, and what a damaged or
# hostile stream leaves behind (nothing at the final names, no temporaries,
# nothing outside DIR).
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
F=$SRC/fixtures
PY=/usr/bin/python3
member_tree "$T/in"
cp "$F/demo.gguf" "$T/in/m/zcopy.gguf"  # every chunk a copy of demo.gguf's
Z=$T/z.sgz
"$SGZ" pack -q "$T/in/m" "$T/in/solo.gguf" -o "$Z" || fail "pack"
# empty: DIR holds nothing (no member, no temporary, no directory)
empty() { if [ -z "$(ls -A "$2")" ]; then ok; else fail "$1: left $(ls -A "$2")"; fi; }
# all_same NAME DIR: DIR/m/... and DIR/solo.gguf equal the inputs
all_same() {
  for f in m/demo.gguf m/zcopy.gguf m/sub/all-types.gguf m/notes.txt solo.gguf; do same "$1 $f" "$T/in/$f" "$2/$f"; done
}

# --- everything, from a pipe
mkdir "$T/o"
check stream-C 0 "$SGZ" unpack - -C "$T/o" < "$Z"
all_same stream-C "$T/o"
[ "$(find "$T/o" -type f | wc -l)" = 5 ] && ok || fail "stream-C: not 5 files" 
check stream-C-exists 1 "$SGZ" unpack - -C "$T/o" < "$Z"
refused stream-C-exists "$T/o/m/demo.gguf: already exists"
[ "$(find "$T/o" -type f | wc -l)" = 5 ] && ok || fail "stream-C-exists: left a temporary" 
check stream-C-force 0 "$SGZ" unpack - -C "$T/o" -f < "$Z"
all_same stream-C-force "$T/o"
check stream-C-stats 0 "$SGZ" unpack - -C "$T/o" -f --stats < "$Z"
expect_err stream-C-stats "read $(stat -c %s "$Z") archive bytes sequentially"
check verify-stream 0 "$SGZ" verify - < "$Z"

# A symbolic link on the way is not followed, from a stream either.
mkdir -p "$T/l" "$T/elsewhere" && ln -s "$T/elsewhere" "$T/l/m"
check stream-link 1 "$SGZ" unpack - -C "$T/l" -f < "$Z"
refused stream-link "$T/l/m: is a symbolic link; not following it"
[ -z "$(ls -A "$T/elsewhere")" ] && [ "$(ls -A "$T/l")" = m ] && ok || fail "stream-link wrote something"

# --- selected members: the copies' target (m/demo.gguf) is not selected
mkdir "$T/sel"
check stream-one 0 "$SGZ" unpack - m/zcopy.gguf -C "$T/sel" < "$Z"
same stream-one "$T/in/m/zcopy.gguf" "$T/sel/m/zcopy.gguf"
[ "$(find "$T/sel" -type f)" = "$T/sel/m/zcopy.gguf" ] && ok || fail "stream-one: other files"
mkdir "$T/dir"
check stream-dir 0 "$SGZ" unpack - m/sub/ solo.gguf -C "$T/dir" < "$Z"
same stream-dir "$T/in/m/sub/all-types.gguf" "$T/dir/m/sub/all-types.gguf"
same stream-dir "$T/in/solo.gguf" "$T/dir/solo.gguf"
[ "$(find "$T/dir" -type f | wc -l)" = 2 ] && ok || fail "stream-dir: not 2 files"
check stream-o 0 "$SGZ" unpack - m/zcopy.gguf -o "$T/one.gguf" < "$Z"
same stream-o "$T/in/m/zcopy.gguf" "$T/one.gguf"
"$SGZ" unpack - m/zcopy.gguf -o - < "$Z" > "$T/stdout.gguf" && ok || fail "stream -o -"
same "stream -o -" "$T/in/m/zcopy.gguf" "$T/stdout.gguf"
check stream-no-member 1 "$SGZ" unpack - m/nope -o "$T/nope" < "$Z"
refused stream-no-member "no member 'm/nope'"
[ ! -e "$T/nope" ] && ok || fail "stream-no-member left its output"
mkdir "$T/nm"
check stream-no-member-C 1 "$SGZ" unpack - m/nope solo.gguf -C "$T/nm" < "$Z"
refused stream-no-member-C "no member 'm/nope'"
empty stream-no-member-C "$T/nm"
check stream-several-o 4 "$SGZ" unpack - -o "$T/s.gguf" < "$Z"
expect_err stream-several-o "holds several members: name the one to unpack"
[ ! -e "$T/s.gguf" ] && ok || fail "unpack - -o of several members left $T/s.gguf"

# --- an archive of several members written by sgz 2.1 (no member records)
mkdir "$T/old"
check stream-2.1 4 "$SGZ" unpack - -C "$T/old" < "$F/format-2.1-copies/three-members.sgz"
# (known only from the manifest at the end: the chunks were written to a temporary, now gone)
expect_err stream-2.1 "the archive holds 3 members and no member records (sgz 2.1 wrote none): unpacking it from a stream needs the archive file"
check stream-2.1-o 4 "$SGZ" unpack - -o "$T/old.gguf" < "$F/format-2.1-copies/three-members.sgz"
expect_err stream-2.1-o "give the archive file"
[ ! -e "$T/old.gguf" ] && ok || fail "stream-2.1-o left its output"
empty stream-2.1 "$T/old"

# --- damage mid-stream: nothing at the final names, no temporaries
# edit FROM TO PYTHON: TO is FROM with the bytes edited by PYTHON (on `b`,
# a bytearray; `rec(k)` is the offset of the k-th member record, `fix(k)`
# recomputes its checksum).
edit() {
  "$PY" - "$1" "$2" "$3" <<'PYEOF'
import struct, sys, xxhash
b = bytearray(open(sys.argv[1], 'rb').read())
def rec(k):
    at = -1
    for _ in range(k + 1):
        at = b.index(b'SGZR', at + 1)
    return at
def fix(k):
    at = rec(k)
    size = struct.unpack_from('<I', b, at + 8)[0]
    struct.pack_into('<Q', b, at + 12, xxhash.xxh3_64_intdigest(bytes(b[at + 20:at + 20 + size])))
exec(sys.argv[3])
open(sys.argv[2], 'wb').write(b)
PYEOF
}
# A byte in the last member's chunk (solo.gguf is last): every member
# before it was decoded and written to its temporary already.
edit "$Z" "$T/bad-chunk.sgz" 'b[rec(4) + 200] ^= 0x40'
mkdir "$T/d1"
check damaged-chunk 2 "$SGZ" unpack - -C "$T/d1" < "$T/bad-chunk.sgz"
# (its metadata chunk is coded against an earlier member's: zstd may see the damage first)
expect_err damaged-chunk "chunk [0-9]* at offset [0-9]*: .*\(decoded bytes do not match the chunk checksum\|does not decode\)"
empty damaged-chunk "$T/d1"
# The third record's name, unchecked.
edit "$Z" "$T/bad-record.sgz" 'b[rec(2) + 27] ^= 1'
mkdir "$T/d2"
check damaged-record 2 "$SGZ" unpack - -C "$T/d2" < "$T/bad-record.sgz"
expect_err damaged-record "member record at offset [0-9]*: checksum does not match"
empty damaged-record "$T/d2"
# A record whose name leads out of DIR, with a valid checksum: refused
# before anything of it is written, and nothing lands outside.
edit "$Z" "$T/evil.sgz" 'at = rec(0) + 26; assert b[at:at + 11] == b"m/demo.gguf"; b[at:at + 11] = b"../evil.ggu"; fix(0)'
mkdir -p "$T/d3/in"
check hostile-record 2 "$SGZ" unpack - -C "$T/d3/in" < "$T/evil.sgz"
one_line hostile-record 2 "sgz: <stdin>: corrupt: member record at offset 16: member name '../evil.ggu' has a '..' component"
empty hostile-record "$T/d3/in"
[ "$(ls -A "$T/d3")" = in ] && ok || fail "hostile-record wrote outside DIR"
# A record that disagrees with the manifest (another valid name): found at
# the end, after everything was written to temporaries; none is left.
edit "$Z" "$T/renamed.sgz" 'at = rec(0) + 26; b[at:at + 11] = b"m/demo.gguX"; fix(0)'
mkdir "$T/d4"
check renamed-record 2 "$SGZ" unpack - -C "$T/d4" < "$T/renamed.sgz"
expect_err renamed-record "is no member of the stream"
empty renamed-record "$T/d4"

# --- more members than descriptors: members written wait for their rename
# closed (300 files of 7 contents: most are copies, read back from them)
mkdir -p "$T/many/d" "$T/many/o"
for i in $(seq 1 300); do printf 'file %d\n' $((i % 7)) > "$T/many/d/f$i"; done
"$SGZ" pack -q "$T/many/d" -o "$T/many.sgz" || fail "pack many"
(ulimit -n 48 && "$SGZ" unpack - -C "$T/many/o" < "$T/many.sgz") 2> "$T/err" && ok || fail "unpack - of 300 members with 48 descriptors" "$T/err"
diff -r "$T/many/d" "$T/many/o/d" > /dev/null && ok || fail "unpack - of 300 members differs"

finish
