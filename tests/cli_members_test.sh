#!/usr/bin/env bash
# Archives of several members on the command line: pack PATH..., ls, unpack
# [MEMBER...] -C DIR / MEMBER -o, cat MEMBER, info, verify --against DIR,
# and the refusals (no -o, a pipe, existing files, links on the way, a
# stream). Every pack is unpacked and compared byte for byte.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
F=$SRC/fixtures
mkdir -p "$T/o"
member_tree "$T/in"
Z=$T/z.sgz

# --- pack
check pack-several-no-output 1 "$SGZ" pack "$T/in/m" "$T/in/solo.gguf"
refused pack-several-no-output "packing several inputs needs -o OUT"
check pack 0 "$SGZ" pack -q "$T/in/m" "$T/in/solo.gguf" -o "$Z"
check pack-exists 1 "$SGZ" pack -q "$T/in/m" "$T/in/solo.gguf" -o "$Z"
refused pack-exists "already exists"

# --- ls: the member table; one member's tensors; a pattern over members
check ls 0 "$SGZ" ls "$Z"
[ "$(grep -c '^m/\|^solo' "$T/out")" = 4 ] && ok || fail "ls: not 4 member lines" "$T/out"
grep -q '^m/notes.txt  *opaque ' "$T/out" && ok || fail "ls: notes.txt not opaque" "$T/out"
grep -q '^4 members, ' "$T/out" && ok || fail "ls: summary line" "$T/out"
check ls-member 0 "$SGZ" ls "$Z" m/demo.gguf
grep -q '^output.weight ' "$T/out" && ok || fail "ls MEMBER: no tensors" "$T/out"
check ls-member-pattern 0 "$SGZ" ls "$Z" m/demo.gguf 'output*'
[ "$(grep -c '^output' "$T/out")" -ge 1 ] && ! grep -q '^token_embd' "$T/out" && ok || fail "ls MEMBER PATTERN" "$T/out"
check ls-members-pattern 0 "$SGZ" ls "$Z" 'm/*'
grep -q '^3 of 4 members' "$T/out" && ok || fail "ls 'm/*'" "$T/out"
check ls-no-member 1 "$SGZ" ls "$Z" m/demo.ggu
expect_err ls-no-member "did you mean 'm/demo.gguf'"
# A base name of a member in a directory: that member suggested, nothing written.
check unpack-base-name 1 "$SGZ" unpack "$Z" all-types.gguf -o "$T/base.gguf"
expect_err unpack-base-name "no member 'all-types.gguf' in the archive (did you mean 'm/sub/all-types.gguf'?)"
[ ! -e "$T/base.gguf" ] && ok || fail "unpack-base-name: wrote $T/base.gguf"
check ls-json 0 "$SGZ" ls "$Z" --json
grep -q '"members": \[{"name": "m/demo.gguf", "kind": "gguf"' "$T/out" && ok || fail "ls --json" "$T/out"

# --- unpack everything under a directory, then each member alone
check unpack-C 0 "$SGZ" unpack "$Z" -C "$T/o"
for f in m/demo.gguf m/sub/all-types.gguf m/notes.txt solo.gguf; do
  same "unpack -C $f" "$T/in/$f" "$T/o/$f"
  run "$SGZ" unpack "$Z" "$f" -c
  same "unpack $f -c" "$T/in/$f" "$T/out"
done
[ "$(find "$T/o" -type f | wc -l)" = 4 ] && ok || fail "unpack -C: stray files: $(find "$T/o")"
# Without -f nothing is written when one target exists; with -f all are.
rm -r "$T/o/m"
echo old > "$T/o/solo.gguf"
check unpack-exists 1 "$SGZ" unpack "$Z" -C "$T/o"
refused unpack-exists "solo.gguf: already exists (use -f to overwrite)"
[ ! -e "$T/o/m" ] && ok || fail "unpack-exists wrote m/ before refusing"
check unpack-f 0 "$SGZ" unpack "$Z" -C "$T/o" -f
same "unpack -f" "$T/in/solo.gguf" "$T/o/solo.gguf"
# Some members: by name, or by a directory of them; the default directory is the current one.
mkdir "$T/some"
check unpack-some 0 bash -c "cd '$T/some' && '$SGZ' unpack '$Z' m/sub solo.gguf"
[ "$(cd "$T/some" && find . -type f | sort | tr '\n' ' ')" = "./m/sub/all-types.gguf ./solo.gguf " ] && ok ||
  fail "unpack m/sub solo.gguf: $(cd "$T/some" && find . -type f)"
same "unpack m/sub" "$T/in/m/sub/all-types.gguf" "$T/some/m/sub/all-types.gguf"
check unpack-unknown 1 "$SGZ" unpack "$Z" m/demo -C "$T/some"
expect_err unpack-unknown "no member 'm/demo'"
check unpack-o 0 "$SGZ" unpack "$Z" m/notes.txt -o "$T/notes"
same "unpack MEMBER -o" "$T/in/m/notes.txt" "$T/notes"
check unpack-o-no-member 1 "$SGZ" unpack "$Z" -o "$T/x"
expect_err unpack-o-no-member "holds 4 members"
check unpack-C-and-o 1 "$SGZ" unpack "$Z" -C "$T/o" -o "$T/x"
# A symbolic link on the way is not followed, whatever -f says.
mkdir "$T/l" "$T/elsewhere"
ln -s "$T/elsewhere" "$T/l/m"
check unpack-link 1 "$SGZ" unpack "$Z" -C "$T/l" -f
refused unpack-link "$T/l/m: is a symbolic link; not following it"
[ -z "$(ls -A "$T/elsewhere")" ] && [ "$(ls -A "$T/l")" = m ] && ok || fail "unpack-link wrote something"
check unpack-no-dir 1 "$SGZ" unpack "$Z" -C "$T/nope"
refused unpack-no-dir "$T/nope: no such directory"
# (from a stream: cli_members_stream_test.sh)

# --- cat: a tensor or a range of one member
check cat-no-member 1 "$SGZ" cat "$Z" output.weight -o "$T/t"
refused cat-no-member "holds 4 members; cat needs the MEMBER"
check cat 0 "$SGZ" cat "$Z" m/demo.gguf output.weight -o "$T/t"
"$SGZ" pack -q "$T/in/m/demo.gguf" -o "$T/demo.sgz" && "$SGZ" cat "$T/demo.sgz" output.weight -o "$T/t1"
same "cat MEMBER TENSOR" "$T/t1" "$T/t"
check cat-range 0 "$SGZ" cat "$Z" solo.gguf --range 0:100 -o "$T/r"
head -c 100 "$T/in/solo.gguf" > "$T/r1"
same "cat MEMBER --range" "$T/r1" "$T/r"

# --- info and verify
check info 0 "$SGZ" info "$Z"
grep -q '^members:  *4, ' "$T/out" && ok || fail "info: members line" "$T/out"
check info-json 0 "$SGZ" info "$Z" --json
grep -q '"members": \[{"name": "m/demo.gguf", "kind": "gguf"' "$T/out" && ok || fail "info --json" "$T/out"
check verify 0 "$SGZ" verify "$Z"
grep -q 'OK (4 members, ' "$T/out" && ok || fail "verify" "$T/out"
check verify-against 0 "$SGZ" verify "$Z" --against "$T/in"
cp -r "$T/in" "$T/changed"
printf 'x' | dd of="$T/changed/m/sub/all-types.gguf" bs=1 seek=100 conv=notrunc 2>/dev/null
check verify-differs 2 "$SGZ" verify "$Z" --against "$T/changed"
expect_err verify-differs "m/sub/all-types.gguf: differs from $T/changed/m/sub/all-types.gguf at byte 100"
check verify-json 2 "$SGZ" verify "$Z" --against "$T/changed" --json
grep -q '"member": "m/sub/all-types.gguf", "ok": false' "$T/out" && ok || fail "verify --json" "$T/out"

# --- a one-file archive is read as before, and its member can be named
check one-member 0 "$SGZ" unpack "$T/demo.sgz" demo.gguf -C "$T/some"
same "one-file archive, member by name" "$T/in/m/demo.gguf" "$T/some/demo.gguf"
"$SGZ" pack -q - -o "$T/stdin.sgz" < "$T/in/solo.gguf"
check unpack-C-no-name 1 "$SGZ" unpack "$T/stdin.sgz" -C "$T/some"
refused unpack-C-no-name "has no name (it was packed from standard input): give -o FILE"
check option-C-elsewhere 1 "$SGZ" ls "$Z" -C "$T/some"
refused option-C-elsewhere "C/--directory is for unpack, not ls"
finish
