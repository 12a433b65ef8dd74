#!/usr/bin/env bash
# A model family in one archive: `sgz pack DIR` of the corpus's zoo/ against
# what a user would pick instead (tar piped to zstd --long, each file packed
# alone, the float parent alone), then one row per member: stored and shared
# bytes, and the time to unpack that member alone (median of RUNS runs).
#
# usage: bench/zoo.sh [SGZ_BINARY] [ZOO_DIR] [RUNS]
#   defaults: build/sgz (or $SGZ_BIN), $SGZ_CORPUS/zoo, 5
# Writes Markdown to stdout. Every archive is unpacked and compared with cmp.
set -euo pipefail
cd "$(dirname "$0")/.."
SGZ=${1:-${SGZ_BIN:-build/sgz}}
ZOO=${2:-${SGZ_CORPUS:-../shared/corpus}/zoo}
RUNS=${3:-5}
[ -x "$SGZ" ] || { echo "zoo.sh: no sgz binary at $SGZ" >&2; exit 2; }
[ -d "$ZOO" ] || { echo "zoo.sh: no zoo directory at $ZOO" >&2; exit 2; }
command -v zstd >/dev/null || { echo "zoo.sh: zstd not found" >&2; exit 2; }
command -v python3 >/dev/null || { echo "zoo.sh: python3 not found" >&2; exit 2; }
ZOO=$(cd "$ZOO" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
base=$(basename "$ZOO")
parent=$(cd "$ZOO" && ls -1 | grep -E -- '-(BF16|F16|F32)\.gguf$' | LC_ALL=C sort | head -1)

size() { stat -c %s "$1"; }
ratio() { awk -v o="$1" -v a="$2" 'BEGIN { printf "%.3f", o / a }'; }
group() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
# Median wall time in seconds of RUNS runs of the command.
median_time() {
  local i t0 t1 times=()
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    times+=($(( t1 - t0 )))
  done
  printf '%s\n' "${times[@]}" | LC_ALL=C sort -n | awk '{ a[NR] = $1 } END { printf "%.4f", a[int((NR + 1) / 2)] / 1e9 }'
}
fail() { echo "zoo.sh: $*" >&2; exit 1; }

# Round trip of a whole-zoo archive: every member byte for byte.
check_zoo() {
  rm -rf "$TMP/out"; mkdir "$TMP/out"
  "$SGZ" unpack -q "$1" -C "$TMP/out"
  diff -r -q "$ZOO" "$TMP/out/$base" >/dev/null || fail "$1: unpacked zoo differs"
}

raw=0; for f in "$ZOO"/*; do raw=$((raw + $(size "$f"))); done
"$SGZ" pack -q -f "$ZOO" -o "$TMP/zoo.sgz"; check_zoo "$TMP/zoo.sgz"
"$SGZ" pack -q -f --max "$ZOO" -o "$TMP/zoo-max.sgz"; check_zoo "$TMP/zoo-max.sgz"
sum=0; summax=0
for f in "$ZOO"/*; do
  "$SGZ" pack -q -f "$f" -o "$TMP/one.sgz"; sum=$((sum + $(size "$TMP/one.sgz")))
  "$SGZ" pack -q -f --max "$f" -o "$TMP/one.sgz"; summax=$((summax + $(size "$TMP/one.sgz")))
  "$SGZ" unpack -q -f "$TMP/one.sgz" -o "$TMP/one"; cmp -s "$f" "$TMP/one" || fail "$f: round trip differs"
done
(cd "$(dirname "$ZOO")" && tar cf "$TMP/zoo.tar" "$base")
tz19=$(zstd -q -19 --long=27 -T2 -c "$TMP/zoo.tar" | wc -c)
tz3=$(zstd -q -3 --long=27 -T2 -c "$TMP/zoo.tar" | wc -c)
"$SGZ" pack -q -f "$ZOO/$parent" -o "$TMP/parent.sgz"
p=$(size "$TMP/parent.sgz")
z=$(size "$TMP/zoo.sgz"); zmax=$(size "$TMP/zoo-max.sgz")

echo "sgz: $("$SGZ" --version | head -1); zstd: $(zstd --version | sed 's/.*v\([0-9.]*\).*/\1/')"
echo "$base/: $(ls "$ZOO" | wc -l) files, $(group "$raw") bytes; parent $parent"
echo
echo "| what | bytes | ratio | vs sgz archive |"
echo "|---|---:|---:|---:|"
row() { printf '| %s | %s | %s | %s |\n' "$1" "$(group "$2")" "$(ratio "$raw" "$2")" "$(ratio "$2" "$z")"; }
row "\`sgz pack $base\` (default)" "$z"
row "\`sgz pack --max $base\`" "$zmax"
row "each file packed alone, sum (default)" "$sum"
row "each file packed alone, sum (--max)" "$summax"
row "\`tar \\| zstd -19 --long=27 -T2\`" "$tz19"
row "\`tar \\| zstd -3 --long=27 -T2\`" "$tz3"
printf '| the parent alone (`sgz pack %s`) | %s | %s | %s |\n' "$parent" "$(group "$p")" "$(ratio "$(size "$ZOO/$parent")" "$p")" "$(ratio "$p" "$z")"
echo
echo "The family costs $(ratio "$z" "$p") times its parent alone (--max: $(ratio "$zmax" "$p"))."
echo
zstd -q -19 --long=27 -T2 -c "$TMP/zoo.tar" > "$TMP/zoo.tar.zst"
unz() { rm -rf "$TMP/x"; mkdir "$TMP/x"; "$@"; }
ts=$(median_time unz "$SGZ" unpack -q "$TMP/zoo.sgz" -C "$TMP/x")
tt=$(median_time unz sh -c "zstd -q -d --long=27 -c '$TMP/zoo.tar.zst' | tar xf - -C '$TMP/x'")
echo "Unpacking the whole family (median of $RUNS): \`sgz unpack -C\` $ts s, \`zstd -d | tar x\` $tt s (ratio $(ratio "$ts" "$tt"))."
echo
echo "| member | size | stored | shared (copies) | size / stored | unpack alone (median of $RUNS) | MB/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
"$SGZ" ls --json "$TMP/zoo.sgz" > "$TMP/ls.json"
python3 - "$TMP/ls.json" > "$TMP/members.tsv" <<'EOF'
import json, sys
for m in json.load(open(sys.argv[1]))["members"]:
    print("\t".join(str(m[k]) for k in ("name", "original_size", "stored", "shared")))
EOF
while IFS=$'\t' read -r name orig stored shared; do
  "$SGZ" unpack -q -f "$TMP/zoo.sgz" "$name" -o "$TMP/m"
  cmp -s "$TMP/m" "$(dirname "$ZOO")/$name" || fail "$name: unpacked member differs"
  t=$(median_time "$SGZ" unpack -q -f "$TMP/zoo.sgz" "$name" -o "$TMP/m")
  printf '| %s | %s | %s | %s | %s | %s s | %s |\n' "$name" "$(group "$orig")" "$(group "$stored")" \
    "$(group "$shared")" "$(ratio "$orig" "$stored")" "$t" "$(awk -v n="$orig" -v t="$t" 'BEGIN { printf "%.0f", n / t / 1e6 }')"
done < "$TMP/members.tsv"
