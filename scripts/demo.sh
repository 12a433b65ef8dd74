#!/usr/bin/env bash
# The main job on the fixture that ships with the project: pack
# fixtures/demo.gguf, list it, unpack it, show the copy is byte-identical.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
IN=${1:-fixtures/demo.gguf}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
set -x
build/sgz pack "$IN" -o "$OUT/demo.sgz" --stats
build/sgz ls "$OUT/demo.sgz"
build/sgz unpack "$OUT/demo.sgz" -o "$OUT/demo.gguf"
{ set +x; } 2>/dev/null
sha256sum "$IN" "$OUT/demo.gguf"
cmp "$IN" "$OUT/demo.gguf" && echo "byte-identical: yes"
