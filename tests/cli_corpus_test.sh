#!/usr/bin/env bash
# Every corpus file packs and unpacks byte-identical, compared by sha256.
# Without a corpus the test exits 77, which ctest reports as Skipped
# (SKIP_RETURN_CODE in tests/CMakeLists.txt), never as Passed; under CI=true
# a missing corpus is a failure.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
need_corpus "$SRC"
while IFS= read -r f; do
  "$SGZ" pack -q "$f" -o "$T/a.sgz" -f && "$SGZ" unpack "$T/a.sgz" -o "$T/a.gguf" -f
  want=$(sha256sum < "$f" | cut -d' ' -f1)
  got=$(sha256sum < "$T/a.gguf" | cut -d' ' -f1)
  if [ "$want" = "$got" ]; then
    ok; echo "ok $want $(basename "$f") $(stat -c %s "$f") -> $(stat -c %s "$T/a.sgz")"
  else
    fail "$f"
  fi
  rm -f "$T/a.gguf"
done < <(find "$CORPUS" -name '*.gguf' | sort)
[ $((pass + fails)) -gt 0 ] || { echo "FAIL: no .gguf files under $CORPUS"; exit 1; }
finish
