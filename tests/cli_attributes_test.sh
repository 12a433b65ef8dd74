#!/usr/bin/env bash
# The file's mode and modification time survive pack and unpack (format 2.1),
# archives without them (2.0 fixtures, standard input) unpack as before, and
# -o DIR/ (or an existing DIR) writes the default name into DIR. Every unpack
# is compared byte for byte with its original.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
stat_is() {  # stat_is NAME FILE 'MODE MTIME': stat's %a and %y
  local got
  got=$(stat -c '%a %y' "$2")
  if [ "$got" = "$3" ]; then ok; else fail "$1: $2 has '$got', want '$3'"; fi
}

# Round trip: mode 640 and a date with nanoseconds, unpacked elsewhere.
mkdir "$T/src" "$T/dst"
cp "$SRC/fixtures/demo.gguf" "$T/src/m.gguf"
chmod 640 "$T/src/m.gguf"
touch -d '2021-03-04 05:06:07.123456789 +0000' "$T/src/m.gguf"
want=$(stat -c '%a %y' "$T/src/m.gguf")
check pack 0 "$SGZ" pack -q "$T/src/m.gguf" -o "$T/m.gguf.sgz"
check unpack 0 "$SGZ" unpack "$T/m.gguf.sgz" -o "$T/dst/m.gguf"
same unpack "$T/src/m.gguf" "$T/dst/m.gguf"
stat_is unpack-attributes "$T/dst/m.gguf" "$want"
# A read-only mode and an old date; the umask does not narrow the mode.
chmod 444 "$T/src/m.gguf"
touch -d '1999-12-31 23:59:59 +0000' "$T/src/m.gguf"
want=$(stat -c '%a %y' "$T/src/m.gguf")
check pack-ro 0 "$SGZ" pack -q "$T/src/m.gguf" -o "$T/ro.sgz"
(umask 077 && "$SGZ" unpack "$T/ro.sgz" -o "$T/dst/ro.gguf") && ok || fail "unpack under umask 077"
same unpack-ro "$T/src/m.gguf" "$T/dst/ro.gguf"
stat_is unpack-ro-attributes "$T/dst/ro.gguf" "$want"
# Streaming from standard input restores them too (read from the manifest at the end).
check unpack-stream 0 "$SGZ" unpack - -o "$T/dst/stream.gguf" < "$T/ro.sgz"
same unpack-stream "$T/src/m.gguf" "$T/dst/stream.gguf"
stat_is unpack-stream-attributes "$T/dst/stream.gguf" "$want"
# -f over an existing file gives it the recorded attributes as well.
echo old > "$T/dst/over.gguf"
check unpack-f 0 "$SGZ" unpack "$T/ro.sgz" -o "$T/dst/over.gguf" -f
same unpack-f "$T/src/m.gguf" "$T/dst/over.gguf"
stat_is unpack-f-attributes "$T/dst/over.gguf" "$want"
# info shows them, in text and JSON.
check info 0 "$SGZ" info "$T/ro.sgz"
grep -q "^attributes: *mode 0444, modified 1999-12-31T23:59:59.000000000Z$" "$T/out" && ok || fail "info text: $(grep attributes "$T/out")"
# Its Q4_K tensors are coded with transform 5 (2.4); without 2.4's chunks the
# attributes alone need 2.1.
grep -q "sgz format 2.4" "$T/out" && ok || fail "info: not format 2.4"
check pack-23 0 "$SGZ" pack -q --format 2.3 "$T/src/m.gguf" -o "$T/m23.sgz"
check info-23 0 "$SGZ" info "$T/m23.sgz"
grep -q "sgz format 2.1" "$T/out" && ok || fail "info --format 2.3: not format 2.1"
check info-json 0 "$SGZ" info --json "$T/m.gguf.sgz"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["mode"] == "0640" and d["mtime"] == "2021-03-04T05:06:07.123456789Z" and d["format_version"] == "2.4", d' "$T/out" \
  && ok || fail "info --json mode/mtime"

# Standard input has no mode or time: the archive is 2.0, unpack behaves as before
# (mode from the umask, mtime now), info says none.
check pack-stdin 0 "$SGZ" pack -q --format 2.3 - -o "$T/stdin.sgz" < "$T/src/m.gguf"
check info-stdin 0 "$SGZ" info "$T/stdin.sgz"
grep -q "^attributes: *none recorded$" "$T/out" && grep -q "sgz format 2.0" "$T/out" && ok || fail "info of a stdin archive: $(head -3 "$T/out")"
check info-json-stdin 0 "$SGZ" info --json "$T/stdin.sgz"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["mode"] is None and d["mtime"] is None and d["format_version"] == "2.0", d' "$T/out" \
  && ok || fail "info --json of a stdin archive"
(umask 022 && "$SGZ" unpack "$T/stdin.sgz" -o "$T/dst/plain.gguf") && ok || fail "unpack stdin archive"
same unpack-stdin-archive "$T/src/m.gguf" "$T/dst/plain.gguf"
[ "$(stat -c %a "$T/dst/plain.gguf")" = 644 ] && [ $(( $(date +%s) - $(stat -c %Y "$T/dst/plain.gguf") )) -lt 600 ] \
  && ok || fail "stdin archive unpacked with $(stat -c '%a %y' "$T/dst/plain.gguf")"
# Writing to standard output sets nothing (and cannot).
check unpack-c 0 "$SGZ" unpack "$T/ro.sgz" -c
same unpack-c "$T/src/m.gguf" "$T/out"

# Format 2.0 archives (written before 2.1) unpack to their sources, mode and time as today.
while read -r archive source; do
  case $archive in ''|'#'*) continue ;; esac
  if [ "$source" = -hello ]; then printf hello > "$T/want"; else cp "$SRC/fixtures/$source" "$T/want"; fi
  rm -f "$T/dst/v20"
  check "2.0 $archive" 0 "$SGZ" unpack "$SRC/fixtures/format-2.0/$archive" -o "$T/dst/v20"
  same "2.0 $archive" "$T/want" "$T/dst/v20"
done < "$SRC/fixtures/format-2.0/SOURCES.txt"

# -o DIR/ and -o DIR (an existing directory): the default name inside it.
chmod 644 "$T/src/m.gguf"
mkdir "$T/out1" "$T/out2" "$T/out3"
check unpack-dir-slash 0 "$SGZ" unpack "$T/m.gguf.sgz" -o "$T/out1/"
same unpack-dir-slash "$T/src/m.gguf" "$T/out1/m.gguf"
check unpack-dir 0 "$SGZ" unpack "$T/m.gguf.sgz" -o "$T/out2"
same unpack-dir "$T/src/m.gguf" "$T/out2/m.gguf"
check unpack-dir-exists 1 "$SGZ" unpack "$T/m.gguf.sgz" -o "$T/out2"
expect_err unpack-dir-exists "$T/out2/m.gguf: already exists"
check unpack-dir-f 0 "$SGZ" unpack "$T/m.gguf.sgz" -o "$T/out2" -f
same unpack-dir-f "$T/src/m.gguf" "$T/out2/m.gguf"
check pack-dir 0 "$SGZ" pack -q "$T/src/m.gguf" -o "$T/out3/"
check pack-dir-back 0 "$SGZ" unpack "$T/out3/m.gguf.sgz" -o "$T/out3/back.gguf"
same pack-dir "$T/src/m.gguf" "$T/out3/back.gguf"
check pack-dir-noslash 0 "$SGZ" pack -q "$T/src/m.gguf" -o "$T/out2"
check pack-dir-noslash-back 0 "$SGZ" unpack "$T/out2/m.gguf.sgz" -c
same pack-dir-noslash "$T/src/m.gguf" "$T/out"
# A trailing slash on a missing directory or on a file: a clear error, nothing written.
check unpack-missing-dir 1 "$SGZ" unpack "$T/m.gguf.sgz" -o "$T/nodir/"
expect_err unpack-missing-dir "^sgz: $T/nodir/: no such directory$"
[ ! -e "$T/nodir" ] && ok || fail "a missing directory was created"
check pack-missing-dir 1 "$SGZ" pack "$T/src/m.gguf" -o "$T/nodir/"
expect_err pack-missing-dir "^sgz: $T/nodir/: no such directory$"
check unpack-file-slash 1 "$SGZ" unpack "$T/m.gguf.sgz" -o "$T/src/m.gguf/"
expect_err unpack-file-slash "not a directory"
# Standard input has no name to put in the directory; cat writes one unnamed piece.
check unpack-stdin-dir 1 "$SGZ" unpack - -o "$T/out1/" < "$T/m.gguf.sgz"
expect_err unpack-stdin-dir "needs a file name: -o DIR/NAME"
check pack-stdin-dir 1 "$SGZ" pack - -o "$T/out1/" < "$T/src/m.gguf"
check cat-dir 1 "$SGZ" cat "$T/m.gguf.sgz" --range 0:4 -o "$T/out1"
expect_err cat-dir "is a directory; cat writes one file"
check cat-dir-slash 1 "$SGZ" cat "$T/m.gguf.sgz" --range 0:4 -o "$T/out1/"
[ "$(ls "$T/out1")" = m.gguf ] && ok || fail "stray files in a directory: $(ls "$T/out1")"

finish
