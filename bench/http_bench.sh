#!/usr/bin/env bash
# One tensor of a >= 1 GB archive over loopback HTTP (nginx on 127.0.0.1)
# against downloading the whole archive with curl (issue 15). The archive is
# packed from a generated GGUF (make_big_gguf: llm-mix Q4_K_M tensors
# repeated, blocks shuffled, 2-D tensors 16x taller) in $BENCH_DIR. Prints
# a Markdown table: requests and bytes from nginx's access log, wall time,
# medians of RUNS runs.
#
# usage: bench/http_bench.sh [TARGET_BYTES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${SGZ_CORPUS:-../shared/corpus}
TARGET=${1:-1100000000}
RUNS=${2:-5}
DIR=${BENCH_DIR:-/tmp/sgz-bench}
mkdir -p "$DIR/www"
SGZ=$PWD/build/sgz
BIG=$DIR/big-http.gguf
ARCHIVE=$DIR/www/big.gguf.sgz
[ -f "$BIG" ] || build/make_big_gguf "$CORPUS/llm-mix/esrgan-thick-llm-mix-Q4_K_M.gguf" "$BIG" "$TARGET" 16 shuffle >/dev/null
[ -f "$ARCHIVE" ] || "$SGZ" pack "$BIG" -o "$ARCHIVE" >/dev/null 2>&1
# nginx as the tests start it (tests/http/http_test_lib.sh), its own files in
# a temporary directory, serving $DIR/www.
T=$(mktemp -d)
skip() { echo "http_bench: $*" >&2; exit 2; }
fail() { echo "http_bench: $*" >&2; }
finish() { exit 1; }
# shellcheck source=tests/http/http_test_lib.sh
. tests/http/http_test_lib.sh
start_nginx "$DIR/www"
LOG=$ACCESS_LOG
URL=$URL/big.gguf.sgz
size=$(stat -c %s "$ARCHIVE")
tensor=$("$SGZ" ls "$ARCHIVE" --json | python3 -c 'import json,sys
t = json.load(sys.stdin)["tensors"]; print(max(t, key=lambda x: x["size"])["name"])')
tsize=$("$SGZ" ls "$ARCHIVE" "$tensor" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tensors"][0]["size"])')
echo "archive: $size bytes ($(stat -c %s "$BIG") original); tensor $tensor, $tsize bytes"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# run_case LABEL COMMAND: RUNS runs; the requests and bytes of the last.
run_case() {
  local label=$1 i t0 t1 n
  shift
  : > "$DIR/times"
  for i in $(seq "$RUNS"); do
    n=$(wc -l < "$LOG")
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000)) >> "$DIR/times"
  done
  local reqs bytes
  reqs=$(tail -n +"$((n + 1))" "$LOG" | wc -l)
  bytes=$(tail -n +"$((n + 1))" "$LOG" | awk '{s += $10} END {print s}')
  printf "| %-44s | %8s | %13s | %7s ms |\n" "$label" "$reqs" "$bytes" "$(median < "$DIR/times")"
}
echo "| what (median of $RUNS runs) | requests | bytes | time |"
echo "|---|---:|---:|---:|"
run_case "sgz cat URL $tensor" "$SGZ" cat -f "$URL" "$tensor" -o "$DIR/t.bin"
run_case "curl URL (the whole archive)" curl -s -o "$DIR/whole.sgz" "$URL"
run_case "sgz cat FILE $tensor (no HTTP)" "$SGZ" cat -f "$ARCHIVE" "$tensor" -o "$DIR/t.bin"
run_case "sgz unpack URL -o /dev/null (-T 2)" "$SGZ" unpack -f "$URL" -o /dev/null -T 2
run_case "sgz unpack FILE -o /dev/null (-T 2)" "$SGZ" unpack -f "$ARCHIVE" -o /dev/null -T 2
