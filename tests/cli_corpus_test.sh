#!/usr/bin/env bash
# Every corpus file packs and unpacks byte-identical, compared by sha256.
# Without a corpus the test exits 77, which ctest reports as Skipped
# (SKIP_RETURN_CODE in tests/CMakeLists.txt), never as Passed; under CI=true
# a missing corpus is a failure.
set -u
SGZ=$1
SRC=$2
CORPUS=${SGZ_CORPUS:-$SRC/../shared/corpus}
if [ ! -d "$CORPUS" ]; then
  if [ "${CI:-}" = true ]; then echo "FAIL: corpus not found at $CORPUS and CI=true (set SGZ_CORPUS)"; exit 1; fi
  echo "SKIP: corpus not found at $CORPUS (set SGZ_CORPUS)"; exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fails=0
while IFS= read -r f; do
  "$SGZ" pack -q "$f" -o "$T/a.sgz" -f && "$SGZ" unpack "$T/a.sgz" -o "$T/a.gguf" -f
  want=$(sha256sum < "$f" | cut -d' ' -f1)
  got=$(sha256sum < "$T/a.gguf" | cut -d' ' -f1)
  if [ "$want" = "$got" ]; then
    pass=$((pass + 1)); echo "ok $want $(basename "$f") $(stat -c %s "$f") -> $(stat -c %s "$T/a.sgz")"
  else
    fails=$((fails + 1)); echo "FAIL $f"
  fi
  rm -f "$T/a.gguf"
done < <(find "$CORPUS" -name '*.gguf' | sort)
[ $((pass + fails)) -gt 0 ] || { echo "FAIL: no .gguf files under $CORPUS"; exit 1; }
echo "$pass passed, $fails failed"
[ "$fails" = 0 ]
