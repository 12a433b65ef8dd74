# shellcheck shell=bash
# Sourced by the tests of the reference reader (tests/reference_*_test.sh) once they
# have set SRC (the source tree):
#   . "$(dirname "${BASH_SOURCE[0]}")/reference_test_lib.sh"
# Sets REF (format-spec/reference) and PY (a python3 with the reader's modules; without
# one the test is skipped), makes a temporary directory T that is removed on exit, and
# counts the checks in pass and fails (fail MESSAGE: one failed). Not a test by itself.
# shellcheck source=tests/prereq_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/prereq_lib.sh"
# shellcheck disable=SC2034  # for the tests that source this file
REF=$SRC/format-spec/reference
need_reference_python
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck disable=SC2034  # for the tests that source this file
pass=0 fails=0
fail() { fails=$((fails + 1)); echo "FAIL $*"; }
