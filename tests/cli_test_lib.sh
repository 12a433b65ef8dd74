# shellcheck shell=bash
# Sourced by the command-line tests (cli_test.sh, cli_ux_test.sh,
# cli_listing_test.sh, cli_attributes_test.sh, cli_corpus_test.sh and the other
# tests/cli_*test.sh) with the test's own arguments still in $1 $2:
#   . "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"
# Sets SGZ (the binary) and SRC (the source tree), makes a temporary
# directory T that is removed on exit, and keeps the pass/fail counts that
# `finish` prints and turns into the exit code; skip and need_corpus come from
# prereq_lib.sh. Not a test by itself.
set -u
# shellcheck source=tests/prereq_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/prereq_lib.sh"
# shellcheck disable=SC2034  # used by the tests that source this file
SGZ=$1 SRC=$2
T=$(mktemp -d)
# chmod first: a test may leave read-only files or directories behind.
trap 'chmod -R u+rwx "$T"; rm -rf "$T"' EXIT
pass=0
fails=0

# ok: one check passed (SHOW_PASS=1 prints the line of each).
ok() { pass=$((pass + 1)); [ -z "${SHOW_PASS:-}" ] || echo "PASS at line ${BASH_LINENO[*]}"; }
# fail MESSAGE [FILE]: one check failed; prints MESSAGE, then FILE when given.
fail() { echo "FAIL $1"; [ -z "${2:-}" ] || cat "$2"; fails=$((fails + 1)); }

# run COMMAND...: stdout in $T/out, stderr in $T/err, exit code in $rc.
run() {
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
}
# check NAME WANT_RC COMMAND...: runs COMMAND (as run) and checks its exit code.
check() {
  local name=$1 want=$2
  shift 2
  run "$@"
  if [ "$rc" = "$want" ]; then ok; else fail "$name: exit $rc, want $want" "$T/err"; fi
}
# expect_err NAME PATTERN: the last run's stderr has a line matching PATTERN (grep).
expect_err() {
  if grep -q -- "$2" "$T/err"; then ok; else fail "$1: stderr lacks '$2':" "$T/err"; fi
}
# one_line NAME WANT_RC LINE: the last run exited WANT_RC with exactly LINE on stderr.
one_line() {
  if [ "$rc" = "$2" ] && [ "$(cat "$T/err")" = "$3" ]; then ok; else
    fail "$1: exit $rc (want $2), stderr:" "$T/err"; echo "  want: $3"; fi
}
# refused NAME PATTERN: the last run exited 1 with one line matching PATTERN
# on stderr and nothing on stdout.
refused() {
  if [ "$rc" = 1 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -q -- "$2" "$T/err" && [ ! -s "$T/out" ]; then ok; else
    fail "$1: exit $rc, want 1 and one line matching '$2':" "$T/err"; fi
}
# same NAME A B: A and B hold the same bytes.
same() {
  if cmp -s "$2" "$3"; then ok; else fail "$1: $3 differs from $2"; fi
}

# member_tree DIR: the inputs of the tests of archives of several members,
# from the committed fixtures: DIR/m/demo.gguf, DIR/m/sub/all-types.gguf,
# DIR/m/notes.txt (no GGUF file) and DIR/solo.gguf (a big-endian GGUF file).
member_tree() {
  mkdir -p "$1/m/sub"
  cp "$SRC/fixtures/demo.gguf" "$1/m/demo.gguf"
  cp "$SRC/fixtures/valid/all-types.gguf" "$1/m/sub/all-types.gguf"
  printf 'not a model\n' > "$1/m/notes.txt"
  cp "$SRC/fixtures/valid/big-endian.gguf" "$1/solo.gguf"
}

# For the tests of the corpus's model zoo (ZOO: its directory, 12 files, set by the test):
# zoo_restored NAME DIR: DIR holds the zoo as DIR/zoo/, byte for byte, and no other file.
zoo_restored() {
  local f n=0
  while IFS= read -r f; do
    same "$1 zoo/${f##*/}" "$f" "$2/zoo/${f##*/}"
    n=$((n + 1))
  done < <(find "$ZOO" -type f | sort)
  [ "$n" = 12 ] && ok || fail "$1: zoo holds $n files, want 12"
  [ "$(find "$2" -type f | wc -l)" = "$n" ] && ok || fail "$1: stray files under $2"
}
# unpacks_zoo NAME ARCHIVE: ARCHIVE, packed from the zoo, restores it whole (unpack -C,
# into $T/NAME-o) and each of its files alone (unpack ARCHIVE zoo/FILE -c).
unpacks_zoo() {
  local f
  mkdir "$T/$1-o"
  check "$1 unpack -C" 0 "$SGZ" unpack "$2" -C "$T/$1-o"
  zoo_restored "$1 unpack -C" "$T/$1-o"
  while IFS= read -r f; do
    run "$SGZ" unpack "$2" "zoo/${f##*/}" -c
    same "$1 unpack zoo/${f##*/} alone" "$f" "$T/out"
  done < <(find "$ZOO" -type f | sort)
}

# finish: prints the counts and exits, 0 when no check failed.
finish() {
  echo "$pass passed, $fails failed"
  [ "$fails" = 0 ]
  exit
}

# peak_below NAME KB: the peak RSS that /usr/bin/time -v wrote to $T/err is
# below KB. Sanitized builds (scripts/asan-test.sh sets SGZ_SANITIZED) carry
# shadow memory and a quarantine of freed blocks, so there the figure is only
# printed: the bound is a property of the plain build.
peak_below() {
  local peak
  peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/err")
  if [ -n "${SGZ_SANITIZED:-}" ]; then
    echo "$1: peak RSS ${peak:-?} KB (sanitized build: not bounded)"
    return
  fi
  [ "${peak:-99999999}" -lt "$2" ] && ok || fail "$1: peak RSS ${peak:-?} KB, want < $2 KB" "$T/err"
}
