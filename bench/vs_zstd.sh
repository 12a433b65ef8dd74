#!/usr/bin/env bash
# Archive size of sgz against the zstd command line at the same level, on every
# GGUF file under the corpus: the "never lose to zstd" table of BENCHMARKS.md.
# zstd runs with -T1 (its output then does not depend on the core count; sgz's
# never does). A row passes when sgz is at most 0.2% larger than zstd.
#
# usage: bench/vs_zstd.sh [SGZ_BINARY] [CORPUS_DIR]
#   defaults: build/sgz (or $SGZ_BIN) and $SGZ_CORPUS (../shared/corpus)
# Writes a Markdown table to stdout; exits 1 if any row fails.
set -euo pipefail
cd "$(dirname "$0")/.."
SGZ=${1:-${SGZ_BIN:-build/sgz}}
CORPUS=${2:-${SGZ_CORPUS:-../shared/corpus}}
[ -x "$SGZ" ] || { echo "vs_zstd.sh: no sgz binary at $SGZ" >&2; exit 2; }
command -v zstd >/dev/null || { echo "vs_zstd.sh: zstd not found" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

size() { stat -c %s "$1"; }
zsize() { zstd -q -T1 "-$1" --ultra -c "$2" | wc -c; }
ssize() {  # sgz options... file
  local f=${*: -1}
  "$SGZ" pack -q -f -o "$TMP/a.sgz" "${@:1:$#-1}" "$f"
  "$SGZ" unpack -q -f -o "$TMP/back" "$TMP/a.sgz"
  cmp -s "$f" "$TMP/back" || { echo "vs_zstd.sh: $f: round trip differs" >&2; exit 1; }
  size "$TMP/a.sgz"
}
# "pass" when sgz <= zstd * 1.002 (integer arithmetic).
verdict() { if [ $(( $1 * 1000 )) -le $(( $2 * 1002 )) ]; then echo pass; else echo FAIL; fi; }
pct() { awk -v s="$1" -v z="$2" 'BEGIN { printf "%+.2f%%", (s / z - 1) * 100 }'; }
ratio() { awk -v o="$1" -v a="$2" 'BEGIN { printf "%.4f", o / a }'; }

echo "sgz: $("$SGZ" --version | head -1); zstd: $(zstd --version | sed 's/.*v\([0-9.]*\).*/\1/') (-T1)"
echo
echo "| file | size | zstd -1 | sgz | vs -1 | | zstd -19 | sgz --max | vs -19 | | sgz -l 22 |"
echo "|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|"
fails=0
while IFS= read -r f; do
  n=$(size "$f")
  z1=$(zsize 1 "$f"); s1=$(ssize "$f")
  z19=$(zsize 19 "$f"); smax=$(ssize --max "$f"); s22=$(ssize -l 22 "$f")
  v1=$(verdict "$s1" "$z1"); v19=$(verdict "$smax" "$z19")
  [ "$v1" = pass ] && [ "$v19" = pass ] || fails=$((fails + 1))
  printf '| %s | %s | %s (%s) | %s (%s) | %s | %s | %s (%s) | %s (%s) | %s | %s | %s (%s) |\n' \
    "${f#"$CORPUS"/}" "$n" "$z1" "$(ratio "$n" "$z1")" "$s1" "$(ratio "$n" "$s1")" "$(pct "$s1" "$z1")" "$v1" \
    "$z19" "$(ratio "$n" "$z19")" "$smax" "$(ratio "$n" "$smax")" "$(pct "$smax" "$z19")" "$v19" \
    "$s22" "$(ratio "$n" "$s22")"
done < <(find "$CORPUS" -name '*.gguf' -type f | LC_ALL=C sort)
echo
echo "$fails file(s) fail"
[ "$fails" -eq 0 ]
