#!/usr/bin/env bash
# sgz mount (FUSE): the corpus's zoo and stories260K packed into one archive
# and mounted; random byte ranges (dd) and every file (cmp, several readers
# at once) read through the mount match the originals; names, sizes and
# modes as packed; the mount's peak memory stays under its cache size plus
# 64 MiB; a damaged chunk makes exactly the reads of the members that hold
# it fail with EIO (as `sgz unpack` of the member fails) while the others
# read; fusermount3 -u, SIGTERM and SIGINT leave no mountpoint behind.
# Without /dev/fuse (or fusermount3) the test says so and exits 77 (ctest:
# Skipped); under CI=true, with /dev/fuse there, nothing may be missing.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
need_corpus "$SRC" zoo
[ -d "$CORPUS/stories260K" ] || skip "corpus stories260K not found at $CORPUS/stories260K (set SGZ_CORPUS)"
if [ ! -e /dev/fuse ]; then echo "SKIP: no /dev/fuse (FUSE is not available here)"; exit 77; fi
command -v fusermount3 >/dev/null || skip "fusermount3 not found (Debian: fuse3)"
command -v mountpoint >/dev/null || skip "mountpoint not found (Debian: util-linux)"
"$SGZ" mount "$T/none.sgz" "$T" 2>"$T/err"
grep -q "built without FUSE" "$T/err" && skip "this sgz was built without FUSE (libfuse3-dev)"

CACHE_MIB=8
"$SGZ" pack -q "$CORPUS/zoo" "$CORPUS/stories260K" -o "$T/a.sgz" || { fail "pack"; finish; }
mapfile -t SOURCES < <(find "$CORPUS/zoo" "$CORPUS/stories260K" -type f | sort)
member() { local f=$1; f=${f%/*}; echo "${f##*/}/${1##*/}"; }  # .../zoo/x.gguf -> zoo/x.gguf

PIDS=()
# unmount_all: what a failed check leaves mounted is unmounted on exit.
cleanup() {
  local d
  for d in "$T"/d*; do mountpoint -q "$d" 2>/dev/null && fusermount3 -u "$d"; done
  chmod -R u+rwx "$T"; rm -rf "$T"
}
trap cleanup EXIT

# wait_mounted DIR PID: until DIR is a mountpoint (false if PID died first).
wait_mounted() {
  local i
  for i in $(seq 1 200); do
    mountpoint -q "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
# wait_gone PID: until the process PID has ended (bounded).
wait_gone() {
  local i
  for i in $(seq 1 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
  return 1
}

# Usage: the directory must exist; a missing archive is an I/O error.
check mount-no-dir 1 "$SGZ" mount "$T/a.sgz" "$T/nodir"
expect_err mount-no-dir "is not a directory"
mkdir "$T/d0"
check mount-missing 3 "$SGZ" mount "$T/none.sgz" "$T/d0"
mountpoint -q "$T/d0" && fail "a failed mount left a mountpoint" || ok

# 1. In the foreground (-f), started in the background of this shell.
mkdir "$T/d1"
"$SGZ" mount -f --cache-size "$CACHE_MIB" "$T/a.sgz" "$T/d1" 2>"$T/mount1.err" &
pid=$!
wait_mounted "$T/d1" "$pid" && ok || { fail "mount -f: not mounted" "$T/mount1.err"; finish; }
# Names, sizes and modes (read and execute bits of the original, no write).
n=0
for f in "${SOURCES[@]}"; do
  m=$T/d1/$(member "$f")
  want="$(stat -c %s "$f") $(printf '%o' $((0$(stat -c %a "$f") & 0555)))"
  got="$(stat -c '%s %a' "$m" 2>&1)"
  [ "$want" = "$got" ] && n=$((n + 1)) || fail "stat $(member "$f"): '$got', want '$want'"
done
[ "$n" = "${#SOURCES[@]}" ] && ok
[ "$(find "$T/d1" -type f | wc -l)" = "${#SOURCES[@]}" ] && ok || fail "mount holds other files than packed"
# Random ranges first, while nothing is in the kernel's page cache.
RANDOM=15
bad=0
for i in $(seq 1 40); do
  f=${SOURCES[$((RANDOM % ${#SOURCES[@]}))]}
  size=$(stat -c %s "$f")
  off=$(((RANDOM * 32768 + RANDOM) % size))
  len=$((RANDOM % 3 == 0 ? 4096 : RANDOM * 8 + 1))
  cmp -s <(dd if="$f" iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none) \
         <(dd if="$T/d1/$(member "$f")" iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none) ||
    { bad=$((bad + 1)); echo "range $off+$len of $(member "$f") differs"; }
done
[ "$bad" = 0 ] && ok || fail "$bad of 40 random ranges differ"
# Every file, four readers at once.
printf '%s\n' "${SOURCES[@]}" | while read -r f; do echo "$f"; echo "$T/d1/$(member "$f")"; done |
  xargs -d '\n' -n 2 -P 4 cmp > "$T/cmp.out" 2>&1
[ $? = 0 ] && [ ! -s "$T/cmp.out" ] && ok || fail "cmp through the mount" "$T/cmp.out"
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
limit=$(((CACHE_MIB + 64) * 1024))
echo "mount peak memory (VmHWM): ${hwm} kB (bound ${limit} kB)"
if [ -z "${SGZ_SANITIZED:-}" ]; then
  [ "${hwm:-99999999}" -lt "$limit" ] && ok || fail "mount peak memory ${hwm} kB >= ${limit} kB"
fi
# Writes are refused: a read-only file system.
( echo x > "$T/d1/zoo/esrgan-zoo-Q4_0.gguf" ) 2>/dev/null && fail "wrote through the mount" || ok
check unmount 0 fusermount3 -u "$T/d1"
wait "$pid" && ok || fail "mount -f exited $? after fusermount3 -u" "$T/mount1.err"
mountpoint -q "$T/d1" && fail "still mounted after fusermount3 -u" || ok
[ -s "$T/mount1.err" ] && fail "mount -f printed messages" "$T/mount1.err" || ok

# 2. In the background (the default): returns once mounted; SIGTERM unmounts.
mkdir "$T/d2"
check mount-background 0 "$SGZ" mount "$T/a.sgz" "$T/d2"
mountpoint -q "$T/d2" && ok || fail "mount returned before mounting"
same background "${SOURCES[0]}" "$T/d2/$(member "${SOURCES[0]}")"
# The daemon: the process whose command line is exactly this mount's.
daemon=
for p in /proc/[0-9]*; do
  [ "$(tr '\0' ' ' 2>/dev/null < "$p/cmdline")" = "$SGZ mount $T/a.sgz $T/d2 " ] && daemon=${p#/proc/}
done
if [ -n "$daemon" ]; then
  kill -TERM "$daemon"
  wait_gone "$daemon" && ok || fail "mount still running after SIGTERM"
  mountpoint -q "$T/d2" && fail "stale mountpoint after SIGTERM" || ok
else
  fail "background mount: daemon not found"
fi

# 3. A one-file archive shows its one file, by its name; one packed from
# standard input (no name) by the archive's name without .sgz. SIGINT
# (Ctrl-C) in the foreground: a background job of a script starts with
# SIGINT ignored, which the mount keeps; set -m gives it its own.
ONE=$CORPUS/stories260K/stories260K-Q8_0.gguf
"$SGZ" pack -q "$ONE" -o "$T/one.sgz" && "$SGZ" pack -q - -o "$T/piped.sgz" < "$ONE" || fail "pack one file"
mkdir "$T/d3" "$T/d5"
set -m
"$SGZ" mount -f "$T/one.sgz" "$T/d3" 2>"$T/mount3.err" &
pid=$!
set +m
wait_mounted "$T/d3" "$pid" && ok || fail "mount -f (3): not mounted" "$T/mount3.err"
[ "$(ls "$T/d3")" = "stories260K-Q8_0.gguf" ] && ok || fail "one-file archive shows: $(ls "$T/d3")"
same one-file "$ONE" "$T/d3/stories260K-Q8_0.gguf"
check mount-piped 0 "$SGZ" mount "$T/piped.sgz" "$T/d5"
[ "$(ls "$T/d5")" = "piped" ] && ok || fail "archive packed from a pipe shows: $(ls "$T/d5")"
same piped "$ONE" "$T/d5/piped"
check unmount-piped 0 fusermount3 -u "$T/d5"
kill -INT "$pid"
wait "$pid" && ok || fail "mount -f exited $? after SIGINT" "$T/mount3.err"
mountpoint -q "$T/d3" && fail "stale mountpoint after SIGINT" || ok

# 4. A damaged chunk: one byte flipped in the middle of a copy of the
# archive. Reads of a member holding it fail with EIO (and a line on the
# mount's stderr) exactly when `sgz unpack` of that member fails; the
# others read byte-exact.
cp "$T/a.sgz" "$T/bad.sgz"
size=$(stat -c %s "$T/bad.sgz")
at=$((size / 2))
byte=$(dd if="$T/bad.sgz" bs=1 skip="$at" count=1 status=none | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 0x55)))" | dd of="$T/bad.sgz" bs=1 seek="$at" conv=notrunc status=none
mkdir "$T/d4"
"$SGZ" mount -f "$T/bad.sgz" "$T/d4" 2>"$T/mount4.err" &
pid=$!
wait_mounted "$T/d4" "$pid" && ok || { fail "mount of the damaged archive" "$T/mount4.err"; finish; }
damaged=0 intact=0 mismatch=0
for f in "${SOURCES[@]}"; do
  m=$(member "$f")
  if "$SGZ" unpack "$T/bad.sgz" "$m" -c 2>/dev/null | cmp -s - "$f"; then
    intact=$((intact + 1))
    cmp -s "$f" "$T/d4/$m" || { mismatch=$((mismatch + 1)); echo "intact $m does not read back"; }
  else
    damaged=$((damaged + 1))
    if cat "$T/d4/$m" > "$T/got" 2>"$T/cat.err"; then
      mismatch=$((mismatch + 1)); echo "damaged $m read without an error"
    elif ! grep -q "Input/output error" "$T/cat.err"; then
      mismatch=$((mismatch + 1)); echo "damaged $m: $(cat "$T/cat.err")"
    elif ! cmp -s -n "$(stat -c %s "$T/got")" "$T/got" "$f"; then
      # What came before the error must be the original's first bytes.
      mismatch=$((mismatch + 1)); echo "damaged $m: wrong bytes before the error"
    fi
  fi
done
[ "$damaged" -ge 1 ] && [ "$intact" -ge 1 ] && ok || fail "damage: $damaged damaged, $intact intact members"
[ "$mismatch" = 0 ] && ok || fail "damage: $mismatch members read otherwise than unpack says"
grep -q "^sgz: $T/bad.sgz: .*: corrupt: " "$T/mount4.err" && ok || fail "no message for the damaged read" "$T/mount4.err"
check unmount-damaged 0 fusermount3 -u "$T/d4"
wait "$pid" && ok || fail "mount of the damaged archive exited $?"
mountpoint -q "$T/d4" && fail "stale mountpoint (4)" || ok
finish
