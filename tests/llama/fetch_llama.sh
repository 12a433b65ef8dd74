#!/usr/bin/env bash
# Fetches llama.cpp's prebuilt libraries and headers from npm into DIR (once:
# kept there for later runs) and builds tests/llama/load_model against them:
#   @node-llama-cpp/linux-x64  libllama and ggml's CPU backends, prebuilt;
#   node-llama-cpp             llama.cpp's source of the same release, as a git
#                              bundle (llama.h and ggml's headers come from it).
# Prints the path of the load_model program on success. Exit 77 when npm or the
# registry cannot be reached (the caller says so and skips, unless CI=true);
# 1 on any other failure.
#
# usage: fetch_llama.sh DIR SOURCE_DIR
set -u
DIR=$1 SRC=$2
BIN=$DIR/load_model
BACKENDS=$DIR/npm/bin/package/bins/linux-x64
if [ -x "$BIN" ] && [ -d "$BACKENDS" ]; then echo "$BIN"; exit 0; fi
[ "$(uname -m)" = x86_64 ] && [ "$(uname -s)" = Linux ] || { echo "fetch_llama: prebuilt llama.cpp is fetched for Linux x86-64 only" >&2; exit 77; }
command -v npm >/dev/null || { echo "fetch_llama: npm not found" >&2; exit 77; }
command -v git >/dev/null || { echo "fetch_llama: git not found" >&2; exit 1; }
command -v cc >/dev/null || { echo "fetch_llama: cc not found" >&2; exit 1; }
mkdir -p "$DIR/npm/bin" "$DIR/npm/src"
VERSION=3.22.1  # the release whose binaries and source bundle belong together
fetch() {  # fetch PACKAGE INTO
  local tgz
  tgz=$(cd "$2" && timeout 300 npm pack --silent "$1@$VERSION" 2>"$DIR/npm.err") || return 77
  tar xzf "$2/$tgz" -C "$2" || return 1
}
fetch @node-llama-cpp/linux-x64 "$DIR/npm/bin" || { s=$?; echo "fetch_llama: npm pack @node-llama-cpp/linux-x64 failed: $(tail -1 "$DIR/npm.err")" >&2; exit $s; }
fetch node-llama-cpp "$DIR/npm/src" || { s=$?; echo "fetch_llama: npm pack node-llama-cpp failed: $(tail -1 "$DIR/npm.err")" >&2; exit $s; }
rm -rf "$DIR/llama.cpp"
git clone -q "$DIR/npm/src/package/llama/gitRelease.bundle" "$DIR/llama.cpp" 2>"$DIR/git.err" ||
  { echo "fetch_llama: the source bundle does not clone: $(tail -1 "$DIR/git.err")" >&2; exit 1; }
L=$DIR/llama.cpp
cc -O1 -o "$BIN" "$SRC/tests/llama/load_model.c" -I"$L/include" -I"$L/ggml/include" \
  "$BACKENDS/libllama.v0.5.0.so" "$BACKENDS/libggml.v0.5.0.so" "$BACKENDS/libggml-base.so" \
  -Wl,-rpath,"$BACKENDS" 2>"$DIR/cc.err" ||
  { echo "fetch_llama: load_model does not build: $(head -1 "$DIR/cc.err")" >&2; exit 1; }
echo "$BIN"
