#!/usr/bin/env bash
# A real client reads through `sgz mount`: llama.cpp's own loader (prebuilt,
# from npm: tests/llama/fetch_llama.sh) memory-maps a GGUF model from the
# mount, evaluates one token, and gets the same parameters and logits as from
# the file on disk; a predicted member too (its blocks re-predicted from the
# parent as the loader's page faults read them).
# Skips (77) with a message without the corpus, /dev/fuse, fusermount3 or npm,
# except under CI=true.
# usage: llama_mount_test.sh SGZ SOURCE_DIR BUILD_DIR
set -u
SGZ=$1 SRC=$2 BUILD=$3
CORPUS=${SGZ_CORPUS:-$SRC/../shared/corpus}
T=$(mktemp -d)
MNT=$T/mnt
pid=
cleanup() {
  if mountpoint -q "$MNT" 2>/dev/null; then fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null; fi
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
skip() {
  if [ "${CI:-}" = true ]; then echo "FAIL (CI=true, no skipping): $*"; exit 1; fi
  echo "SKIP: $*"; exit 77
}
[ -d "$CORPUS/stories260K" ] || skip "corpus not found at $CORPUS (set SGZ_CORPUS)"
[ -e /dev/fuse ] || skip "no /dev/fuse"
command -v fusermount3 >/dev/null || skip "no fusermount3 (Debian fuse3)"
LOAD=$(bash "$SRC/tests/llama/fetch_llama.sh" "$BUILD/llama-npm" "$SRC"); rc=$?
[ "$rc" = 77 ] && skip "llama.cpp from npm unavailable (npm or its registry unreachable)"
[ "$rc" = 0 ] || { echo "FAIL fetch_llama.sh"; exit 1; }
BACKENDS=$BUILD/llama-npm/npm/bin/package/bins/linux-x64
fails=0
fail() { fails=$((fails + 1)); echo "FAIL $*"; }

S=$CORPUS/stories260K
mkdir -p "$T/in" "$MNT"
cp "$S/stories260K-BF16.gguf" "$S/stories260K-Q4_K_M.gguf" "$S/stories260K.gguf" "$T/in/"
"$SGZ" pack -q "$T/in" -o "$T/m.sgz" || { echo "FAIL pack"; exit 1; }
"$SGZ" mount -f "$T/m.sgz" "$MNT" 2>"$T/mount.err" &
pid=$!
for _ in $(seq 100); do mountpoint -q "$MNT" && break; sleep 0.1; done
mountpoint -q "$MNT" || { echo "FAIL not mounted: $(cat "$T/mount.err")"; exit 1; }
for f in stories260K-BF16.gguf stories260K-Q4_K_M.gguf stories260K.gguf; do
  want=$("$LOAD" "$S/$f" "$BACKENDS" 2>&1) || { fail "$f: llama.cpp does not load the original: $want"; continue; }
  got=$("$LOAD" "$MNT/in/$f" "$BACKENDS" 2>&1) || { fail "$f: llama.cpp does not load it from the mount: $got"; continue; }
  if [ "$got" = "$want" ]; then echo "ok $f: $got"; else fail "$f: from the mount '$got', from disk '$want'"; fi
done
fusermount3 -u "$MNT" || fail "fusermount3 -u"
wait "$pid" || fail "sgz mount exited with $?: $(cat "$T/mount.err")"
pid=
mountpoint -q "$MNT" && fail "still mounted"
echo "llama_mount: $fails failed"
[ "$fails" = 0 ]
