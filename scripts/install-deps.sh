#!/usr/bin/env bash
# Installs the Debian packages sgz needs to build, test and benchmark, if any
# is missing. Safe to run again: does nothing when everything is there.
# npm (for the test that loads models with llama.cpp's prebuilt libraries,
# tests/llama/fetch_llama.sh) comes with the machine's Node.js, not from here:
# Debian's npm package would replace a newer Node.js.
set -euo pipefail
PACKAGES=(build-essential cmake pkg-config libzstd-dev libxxhash-dev libcxxopts-dev
          libgtest-dev googletest zstd clang libclang-rt-14-dev time python3 python3-zstandard python3-xxhash bsdutils
          libhtscodecs-dev libcurl4-openssl-dev nginx-light libfuse3-dev fuse3 git)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
