# shellcheck shell=bash
# Sourced by install_example_test.sh and shared_lib_test.sh: PASS/FAIL
# counting, a temporary directory, installing the build into a prefix there,
# and questions about the installed library. Not a test by itself.

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
skip() { echo "SKIP: $1"; }
# Prints the counts and exits: 0 when nothing failed.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# make_tmp NAME: sets tmp (a new directory, removed when the script exits),
# prefix (the install prefix inside it, not yet made) and log.
make_tmp() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  prefix=$tmp/prefix
  log=$tmp/log
}

# install_build CMAKE BUILD_DIR [CONFIG]: `cmake --install` into $prefix,
# output in $log; on failure prints the log and returns 1.
install_build() {
  local args=()
  [ -n "${3:-}" ] && args=(--config "$3")
  "$1" --install "$2" --prefix "$prefix" "${args[@]}" >"$log" 2>&1 || { cat "$log"; return 1; }
}

# find_libdir: prints the directory under $prefix that holds libsgz.a (lib,
# lib64 or lib/<multiarch>, by the platform's GNUInstallDirs), or nothing.
find_libdir() {
  local d
  for d in "$prefix"/lib "$prefix"/lib64 "$prefix"/lib/*-linux-gnu; do
    [ -f "$d/libsgz.a" ] && { echo "$d"; return; }
  done
}

# needs_libsgz PROGRAM: whether PROGRAM is dynamically linked to libsgz.so.
needs_libsgz() { readelf -d "$1" | grep -q 'NEEDED.*\[libsgz\.so'; }
