#!/usr/bin/env bash
# Reads through `sgz mount` against `sgz unpack -c` (BENCHMARKS.md, "A mount"):
#   scripts/mount-bench.sh SGZ ARCHIVE MEMBER [RUNS]
# For each run, a fresh mount (nothing in the page cache or the mount's
# cache) in a temporary directory, then: the member read whole (cat), the
# member read by 4 readers at once (4 byte ranges, -T 1 and -T 2), and 2000
# random 4 KiB reads (os.pread at 4 KiB-aligned offsets, a fixed seed: what
# an mmap loader's page faults do), with the default cache and with none.
# Prints one line per measurement: the median of RUNS (default 5) wall times.
set -euo pipefail
SGZ=$1 ARCHIVE=$2 MEMBER=$3 RUNS=${4:-5}
D=$(mktemp -d)
trap 'mountpoint -q "$D/m" && fusermount3 -u "$D/m"; rm -rf "$D"' EXIT
mkdir "$D/m"
size=$("$SGZ" ls "$ARCHIVE" --json | python3 -c "import json,sys; print([m['original_size'] for m in json.load(sys.stdin)['members'] if m['name']=='$MEMBER'][0])")

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
# timed_mount OPTIONS... -- COMMAND: mounts, times COMMAND, unmounts; prints seconds.
timed_mount() {
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  "$SGZ" mount -f "${opts[@]}" "$ARCHIVE" "$D/m" &
  local pid=$! t0 t1
  until mountpoint -q "$D/m"; do sleep 0.02; done
  t0=$(now); "$@" >/dev/null; t1=$(now)
  fusermount3 -u "$D/m"
  wait "$pid"
  echo "$t1 - $t0" | bc -l
}
parallel4() {
  local q=$((size / 4 / 4096 + 1)) i pids=()
  for i in 0 1 2 3; do
    dd if="$D/m/$MEMBER" of=/dev/null bs=4096 skip=$((i * q)) count=$q status=none &
    pids+=($!)
  done
  wait "${pids[@]}"  # not the mount, a job of this shell too
}
random4k() {
  python3 - "$D/m/$MEMBER" "$size" <<'PY'
import os, random, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
pages = int(sys.argv[2]) // 4096
rng = random.Random(15)
for _ in range(2000):
    assert len(os.pread(fd, 4096, rng.randrange(pages) * 4096)) == 4096
PY
}

report() {  # NAME SECONDS...: median seconds and MB/s of the member's size
  local name=$1; shift
  local m; m=$(printf '%s\n' "$@" | median)
  printf '%-44s %8.3f s  %8.1f MB/s\n' "$name" "$m" "$(echo "$size / $m / 1000000" | bc -l)"
}
unpack=() cat=() cat1=() par1=() par2=() rnd=() rnd0=()
for _ in $(seq 1 "$RUNS"); do
  t0=$(now); "$SGZ" unpack -c "$ARCHIVE" "$MEMBER" >/dev/null; t1=$(now); unpack+=("$(echo "$t1 - $t0" | bc -l)")
  t0=$(now); "$SGZ" unpack -c -T 1 "$ARCHIVE" "$MEMBER" >/dev/null; t1=$(now); cat1+=("$(echo "$t1 - $t0" | bc -l)")
  cat+=("$(timed_mount -- cat "$D/m/$MEMBER")")
  par1+=("$(timed_mount -T 1 -- parallel4)")
  par2+=("$(timed_mount -T 2 -- parallel4)")
  rnd+=("$(timed_mount -- random4k)")
  rnd0+=("$(timed_mount --cache-size 0 -- random4k)")
done
echo "$MEMBER: $size bytes, median of $RUNS runs"
report "sgz unpack -c (2 threads)" "${unpack[@]}"
report "sgz unpack -c -T 1" "${cat1[@]}"
report "mount: cat (-T 2)" "${cat[@]}"
report "mount: 4 readers, -T 1 (one Reader)" "${par1[@]}"
report "mount: 4 readers, -T 2 (two Readers)" "${par2[@]}"
report "mount: 2000 random 4 KiB reads" "${rnd[@]}"
report "mount: 2000 random 4 KiB, --cache-size 0" "${rnd0[@]}"
