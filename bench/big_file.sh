#!/usr/bin/env bash
# Memory and random-access benchmark on a generated GGUF of >= 2 GiB (corpus
# tensors repeated under new names; written to $BENCH_DIR, never committed).
# Reports peak resident memory (GNU time, max RSS) of pack and unpack in file
# and pipe modes, and the time to extract one tensor next to a full unpack.
#
# usage: bench/big_file.sh [SOURCE.gguf] [TARGET_BYTES] [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
CORPUS=${SGZ_CORPUS:-../shared/corpus}
SRC=${1:-$CORPUS/llm-mix/esrgan-thick-llm-mix-Q4_K_M.gguf}
TARGET=${2:-2200000000}
ROWS=${3:-16}  # 2-D tensors made 16x taller: tensors of up to ~10 MB
DIR=${BENCH_DIR:-/tmp/sgz-bench}
mkdir -p "$DIR"
SGZ=$PWD/build/sgz
BIG=$DIR/big.gguf
[ -f "$BIG" ] && [ "$(stat -c %s "$BIG")" -ge "$TARGET" ] || build/make_big_gguf "$SRC" "$BIG" "$TARGET" "$ROWS"
echo "input: $BIG, $(stat -c %s "$BIG") bytes"

measure() {  # measure LABEL COMMAND (run by bash -c): prints wall seconds and max RSS
  local label=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$DIR/time" bash -c "$*"
  t1=$(date +%s.%N)
  printf "| %-52s | %9.3f s | %8.1f MiB |\n" "$label" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$(cat "$DIR/time") / 1024" | bc -l)"
}

echo "| operation | time | peak RSS |"
echo "|---|---|---|"
measure "pack, file (mmap) -> file" "$SGZ pack -q -f $BIG -o $DIR/big.sgz"
measure "pack, pipe (stdin) -> stdout" "cat $BIG | $SGZ pack -q - -c > $DIR/big-pipe.sgz"
measure "unpack, file -> file" "$SGZ unpack -f $DIR/big.sgz -o $DIR/big.out"
cmp "$BIG" "$DIR/big.out"
rm -f "$DIR/big.out"
measure "unpack, pipe (stdin) -> stdout" "cat $DIR/big-pipe.sgz | $SGZ unpack - -c | sha256sum > $DIR/sum.pipe"
[ "$(cut -d' ' -f1 "$DIR/sum.pipe")" = "$(sha256sum < "$BIG" | cut -d' ' -f1)" ] || { echo "pipe unpack differs"; exit 1; }
$SGZ ls --bytes "$DIR/big.sgz" > "$DIR/ls.txt"
# The largest tensor, and a small one.
read -r TENSOR SIZE < <(awk '$(NF-2) ~ /^[0-9]+$/ && $(NF-2) > max {max = $(NF-2); name = $1} END {print name, max}' "$DIR/ls.txt")
read -r SMALL SMALL_SIZE < <(awk '$2 == "F32" && !done {print $1, $(NF-2); done = 1}' "$DIR/ls.txt")
measure "cat largest tensor ($TENSOR, $SIZE B)" "$SGZ cat $DIR/big.sgz $TENSOR -o /dev/null -f --stats 2> $DIR/cat.stats"
measure "cat small tensor ($SMALL, $SMALL_SIZE B)" "$SGZ cat $DIR/big.sgz $SMALL -o /dev/null -f --stats 2> $DIR/cat-small.stats"
measure "cat --range 0:100000000 (100 MB)" "$SGZ cat $DIR/big.sgz --range 0:100000000 > /dev/null"
measure "cat --range 0:1000000000 (1 GB)" "$SGZ cat $DIR/big.sgz --range 0:1000000000 > /dev/null"
measure "unpack everything -> /dev/null" "$SGZ unpack $DIR/big.sgz -c > /dev/null"
echo
echo "cat stats (largest): $(cat "$DIR/cat.stats")"
echo "cat stats (small): $(cat "$DIR/cat-small.stats")"
echo "archive: $(stat -c %s "$DIR/big.sgz") bytes"
