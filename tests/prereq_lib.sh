# shellcheck shell=bash
# Sourced by the tests that need what a machine may lack: the corpus, or a python3 with
# the reference reader's modules (cli_test_lib.sh sources it for the CLI tests):
#   . "$(dirname "${BASH_SOURCE[0]}")/prereq_lib.sh"
# Not a test by itself.

# skip REASON: a missing prerequisite ends the test with status 77 (ctest: Skipped),
# except under CI=true, where nothing may be skipped: there it is a failure.
skip() {
  if [ "${CI:-}" = true ]; then echo "FAIL: $1 (CI=true)"; exit 1; fi
  echo "SKIP: $1"; exit 77
}

# need_corpus SRC [SUB]: sets CORPUS ($SGZ_CORPUS, else ../shared/corpus beside the
# source tree SRC) and skips the test when $CORPUS/SUB is no directory.
need_corpus() {
  CORPUS=${SGZ_CORPUS:-$1/../shared/corpus}
  [ -d "$CORPUS/${2:-}" ] || skip "corpus ${2:+$2 }not found at $CORPUS${2:+/$2} (set SGZ_CORPUS)"
}

# reference_python: sets PY to the first of $PYTHON, python3 and /usr/bin/python3 that
# has the zstandard and xxhash modules the reference reader needs (Debian
# python3-zstandard and python3-xxhash: the first python3 on PATH may be another
# installation without them); PY is empty and the status 1 when none has.
# shellcheck disable=SC2034  # PY is for the tests that source this file
reference_python() {
  local p
  PY=
  for p in ${PYTHON:-} python3 /usr/bin/python3; do
    if "$p" -c 'import zstandard, xxhash' 2>/dev/null; then PY=$p; return 0; fi
  done
  return 1
}

# need_reference_python: reference_python, or skip the test.
need_reference_python() {
  reference_python || skip "no python3 with the zstandard and xxhash modules (set PYTHON)"
}
