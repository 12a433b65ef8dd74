#!/usr/bin/env bash
# The reference reader (format-spec/reference/sgz_reader.py, written from the spec alone)
# restores, byte for byte, what the sgz binary packs: every fixture at the default options
# and with 64 KiB chunks, every corpus file of up to 8 MiB at the default (those of up to 2
# MiB also with 64 KiB chunks) and llm-mix's Q4_K_M at the default; it restores the format-1.0, format-2.0 and
# format-2.1 (compressed manifest) fixtures, and the mode and mtime of a 2.1 archive, and
# refuses every damaged archive in fixtures/invalid; it lists and restores the members of
# an archive of several (and of the committed ones, format-2.1-members to format-2.2-appended), and refuses hostile
# member names and a member record that disagrees with the manifest, and reads an archive
# sgz add appended to. Exit 77 (skip) without the corpus,
# unless CI=true.
set -u
SGZ=$1
SRC=$2
CORPUS=${SGZ_CORPUS:-$SRC/../shared/corpus}
FIX=$SRC/fixtures
# shellcheck source=tests/reference_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/reference_test_lib.sh"
READER=$REF/sgz_reader.py
start=$(date +%s%N)

# Format 2.0 archives assembled by hand from the spec's tables (the writer may still be 1.0).
if "$PY" "$REF/selftest_v2.py"; then pass=$((pass + 1)); else fail selftest_v2; fi

# restore ARCHIVE WANT [MEMBER]: the reader restores ARCHIVE to exactly the bytes of WANT.
restore() {
  local archive=$1 want=$2 member=${3:-}
  rm -f "$T/out"
  if "$PY" "$READER" "$archive" ${member:+"$member"} -o "$T/out" && cmp -s "$want" "$T/out"; then
    pass=$((pass + 1))
  else
    fail "$archive (member '${member}') does not restore to $want"
  fi
}

# roundtrip FILE [once]: pack at the default options and (without `once`) with 64 KiB
# chunks, restore, compare.
roundtrip() {
  local f=$1
  if "$SGZ" pack -q "$f" -o "$T/a.sgz" -f; then
    restore "$T/a.sgz" "$f" "$(basename "$f")"   # by member name: the CLI records the base name
  else
    fail "sgz pack $f"
  fi
  [ "${2:-}" = once ] && return
  if "$SGZ" pack -q --chunk-size 64 "$f" -o "$T/b.sgz" -f; then
    restore "$T/b.sgz" "$f"                      # the archive's only file
  else
    fail "sgz pack --chunk-size 64 $f"
  fi
}

# Format 1.0 archives written by sgz 0.1.0, 2.0 archives written before 2.1, and 2.1
# archives with a compressed manifest (SOURCES.txt: archive, source; -hello is 'hello').
printf hello > "$T/hello"
for set in format-1.0 format-2.0 format-2.1; do
  while read -r archive source; do
    case $archive in ''|'#'*) continue ;; esac
    if [ "$source" = -hello ]; then want=$T/hello; else want=$FIX/$source; fi
    restore "$FIX/$set/$archive" "$want"
  done < "$FIX/$set/SOURCES.txt"
done

# Damaged archives are refused with status 1 (corrupt or unsupported), and no output.
for a in "$FIX"/invalid/*.sgz; do
  rm -f "$T/out"
  "$PY" "$READER" "$a" -o "$T/out" 2> "$T/err"; rc=$?
  if [ "$rc" = 1 ] && [ ! -e "$T/out" ] && [ "$(wc -l < "$T/err")" = 1 ]; then
    pass=$((pass + 1)); echo "refused $(basename "$a"): $(cat "$T/err")"
  else
    fail "$a: status $rc, output $([ -e "$T/out" ] && echo written || echo absent): $(cat "$T/err")"
  fi
done

# --list names the file, its size, kind, mode and mtime (format 2.1, from the file's
# stat; a usage error is status 2); -o restores the mode and mtime.
chmod 640 "$T/hello"
touch -d '2021-03-04 05:06:07.123456789 +0000' "$T/hello"
"$SGZ" pack -q "$T/hello" -o "$T/h.sgz" -f
if [ "$("$PY" "$READER" "$T/h.sgz" --list)" = "$(printf 'hello\t5\topaque\t0640\t1614834367.123456789')" ]; then
  pass=$((pass + 1)); else fail "--list of $T/h.sgz: $("$PY" "$READER" "$T/h.sgz" --list)"; fi
rm -f "$T/out"
"$PY" "$READER" "$T/h.sgz" -o "$T/out"
if cmp -s "$T/hello" "$T/out" && [ "$(stat -c '%a %y' "$T/out")" = "$(stat -c '%a %y' "$T/hello")" ]; then
  pass=$((pass + 1)); else fail "-o of a 2.1 archive: $(stat -c '%a %y' "$T/out")"; fi
"$SGZ" pack -q - -o "$T/stdin.sgz" -f < "$T/hello"   # standard input: no attributes
if [ "$("$PY" "$READER" "$T/stdin.sgz" --list)" = "$(printf '\t5\topaque\t-\t-')" ]; then
  pass=$((pass + 1)); else fail "--list of $T/stdin.sgz: $("$PY" "$READER" "$T/stdin.sgz" --list)"; fi
"$PY" "$READER" "$T/h.sgz" 2>/dev/null; rc=$?
if [ "$rc" = 2 ]; then pass=$((pass + 1)); else fail "no -o: status $rc, expected 2"; fi

# Several members (sgz pack DIR FILE): --list names them in order, -C DIR restores them
# all, MEMBER -o one of them. The two members pass 1 MiB: the manifest stays plain.
mkdir -p "$T/m/aa" "$T/mout"
cp "$FIX/demo.gguf" "$T/m/aa/x"
cp "$FIX/demo.gguf" "$T/m/aa/y"
printf 'note\n' > "$T/m/z.txt"
"$SGZ" pack -q "$T/m/aa" "$T/m/z.txt" -o "$T/m.sgz" -f
if [ "$("$PY" "$READER" "$T/m.sgz" --list | cut -f1 | tr '\n' ' ')" = "aa/x aa/y z.txt " ]; then
  pass=$((pass + 1)); else fail "--list of $T/m.sgz: $("$PY" "$READER" "$T/m.sgz" --list)"; fi
if "$PY" "$READER" "$T/m.sgz" -C "$T/mout" && cmp -s "$T/m/aa/x" "$T/mout/aa/x" && cmp -s "$T/m/aa/y" "$T/mout/aa/y" &&
    cmp -s "$T/m/z.txt" "$T/mout/z.txt"; then
  pass=$((pass + 1)); else fail "-C of $T/m.sgz"; fi
restore "$T/m.sgz" "$T/m/z.txt" z.txt

# An archive that sgz add appended to (spec: "Appending"): chunks after the old
# manifest and footer, copies of old chunks, a header whose minor was rewritten.
cp "$FIX/format-2.0/big-endian.gguf.sgz" "$T/ap.sgz"
"$SGZ" add -q "$T/ap.sgz" "$T/m/aa/x" "$T/m/z.txt"
"$SGZ" add -q "$T/ap.sgz" "$T/m/aa/y"   # y = x: copies of chunks of the first add
restore "$T/ap.sgz" "$FIX/valid/big-endian.gguf" big-endian.gguf
restore "$T/ap.sgz" "$T/m/aa/x" x
restore "$T/ap.sgz" "$T/m/aa/y" y
restore "$T/ap.sgz" "$T/m/z.txt" z.txt
# The committed 2.1 archives of several members (section MEMB; members sharing
# chunks through copies): -C restores each member as SOURCES.txt names it.
restore_members() {  # restore_members DIR ARCHIVE OUT
  if "$PY" "$READER" "$FIX/$1/$2" -C "$3"; then
    while read -r archive member source; do
      case $archive in ''|'#'*) continue ;; esac
      if cmp -s "$FIX/$source" "$3/$member"; then pass=$((pass + 1)); else fail "-C of $archive: $member"; fi
    done < "$FIX/$1/SOURCES.txt"
  else
    fail "-C of $1/$2"
  fi
}
mkdir -p "$T/fout" "$T/cout"
restore_members format-2.1-members two-members.sgz "$T/fout"
restore_members format-2.1-copies three-members.sgz "$T/cout"
mkdir -p "$T/rout"
restore_members format-2.2-references three-members.sgz "$T/rout"
# What sgz 2.2 writes since member records, and an archive sgz add appended to (dead
# manifest and footer, records of the added members, metadata coded against the old).
mkdir -p "$T/rec22" "$T/app22"
restore_members format-2.2-records four-members.sgz "$T/rec22"
restore_members format-2.2-appended one-plus-two.sgz "$T/app22"
# Hostile names with a valid manifest checksum ("aa/x" patched to a name of the same
# length, the footer's checksum recomputed): refused, nothing written.
for bad in ../x /a/x a//x ./ax aa/y; do
  "$PY" - "$T/m.sgz" "$T/bad.sgz" "$bad" <<'PYEOF'
import struct, sys, xxhash
data = bytearray(open(sys.argv[1], "rb").read())
offset, size = struct.unpack_from("<QQ", data, len(data) - 40)
manifest = data[offset:offset + size]
at = manifest.find(b"\x04\x00aa/x")
assert at > 0 and manifest[4:8] == b"\0\0\0\0", "plain manifest holding aa/x"
manifest[at + 2:at + 6] = sys.argv[3].encode()
data[offset:offset + size] = manifest
struct.pack_into("<Q", data, len(data) - 24, xxhash.xxh3_64_intdigest(bytes(manifest)))
open(sys.argv[2], "wb").write(data)
PYEOF
  rm -rf "$T/hout"; mkdir "$T/hout"
  "$PY" "$READER" "$T/bad.sgz" -C "$T/hout" 2> "$T/err"; rc=$?
  "$PY" "$READER" "$T/bad.sgz" --list > /dev/null 2>&1; list_rc=$?   # refused at open, not only at restore
  if [ "$rc" = 1 ] && [ "$list_rc" = 1 ] && grep -q "member name b'$bad'" "$T/err" && [ -z "$(ls -A "$T/hout")" ] &&
      [ ! -e "$T/x" ]; then
    pass=$((pass + 1)); echo "refused name '$bad': $(cat "$T/err")"
  else
    fail "hostile name '$bad': status $rc: $(cat "$T/err")"
  fi
done

# Member records (2.2, before each member's chunks): one whose name disagrees with the
# manifest ("aa/x" patched to "aa/q" in the record, its checksum recomputed) is refused;
# sgz's random-access reader never reads it (a stream reader refuses it too).
"$PY" - "$T/m.sgz" "$T/rec.sgz" <<'PYEOF'
import struct, sys, xxhash
data = bytearray(open(sys.argv[1], "rb").read())
at = data.index(b"SGZR")
assert data[at + 26:at + 30] == b"aa/x", "first record names aa/x"
data[at + 26:at + 30] = b"aa/q"
size = struct.unpack_from("<I", data, at + 8)[0]
struct.pack_into("<Q", data, at + 12, xxhash.xxh3_64_intdigest(bytes(data[at + 20:at + 20 + size])))
open(sys.argv[2], "wb").write(data)
PYEOF
rm -rf "$T/rout"; mkdir "$T/rout"
"$PY" "$READER" "$T/rec.sgz" -C "$T/rout" 2> "$T/err"; rc=$?
if [ "$rc" = 1 ] && grep -q "member record at offset 16: disagrees with file 'aa/x'" "$T/err" && [ -z "$(ls -A "$T/rout")" ]; then
  pass=$((pass + 1)); else fail "record disagreeing with the manifest: status $rc: $(cat "$T/err")"; fi

for f in "$FIX"/demo.gguf "$FIX"/valid/*.gguf "$FIX"/invalid/*.gguf; do
  roundtrip "$f"
done
echo "fixtures: $pass passed, $fails failed"

if [ -n "${SGZ_SANITIZED:-}" ] && [ -d "$CORPUS" ]; then
  # The corpus's Python decoding is the same work in the sanitized run
  # (scripts/asan-test.sh) as in the plain one, which does it: minutes of pure
  # Python rans; the sanitized sgz packs every corpus file in other tests.
  echo "corpus: decoded by the reference reader in the unsanitized run (SGZ_SANITIZED set)"
elif [ -d "$CORPUS" ]; then
  # Every file of up to 8 MiB (every ggml type the corpus has: zoo/, zoo-fma/,
  # stories260K/, random/) at the default chunk size, those of up to 2 MiB also
  # at 64 KiB; of the larger ones (llm-mix/: 170 MB, the same types, at about
  # 1.4 s a MB of pure Python) the Q4_K_M file, issue 14's anchor, at the
  # default chunk size. The C++ tests decode every corpus file.
  corpus_files=0
  while IFS= read -r f; do
    size=$(stat -c %s "$f")
    if [ "$size" -le $((2 << 20)) ]; then
      roundtrip "$f"
    elif [ "$size" -le $((8 << 20)) ] || [[ $f == *-Q4_K_M.gguf ]]; then
      roundtrip "$f" once
    else
      continue
    fi
    corpus_files=$((corpus_files + 1))
    echo "corpus $(basename "$f") $size bytes"
  done < <(find "$CORPUS" -name '*.gguf' | sort)
  [ "$corpus_files" -gt 0 ] || fail "no *.gguf in $CORPUS"
fi
end=$(date +%s%N)
echo "$pass passed, $fails failed in $(( (end - start) / 1000000 )) ms"
[ "$fails" = 0 ] || exit 1
[ -d "$CORPUS" ] || skip "corpus not found at $CORPUS (set SGZ_CORPUS); fixtures passed"
exit 0
