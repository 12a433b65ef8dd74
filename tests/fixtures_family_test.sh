#!/usr/bin/env bash
# The fixtures of a model family (fixtures/format-2.3-predicted: stored as predictions;
# fixtures/format-2.4-context: the same with transform 5 and codec 2;
# fixtures/format-2.5-estimate: family.sgz with Q6_K scales against their estimate):
#   - the writer, given the family make_family generates, writes both archives byte for
#     byte again (fixtures/gen/make_family_archives.sh VERSION);
#   - sgz restores every member of each committed archive, from the file and from a pipe;
#   - the spec's reference reader restores every member of each.
# usage: fixtures_family_test.sh VERSION FIXTURE_DIR SGZ MAKE_FAMILY SOURCE_DIR
set -u
VERSION=$1 SGZ=$3 GEN=$4 SRC=$5
FIX=$SRC/fixtures/$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fails=0
fail() { fails=$((fails + 1)); echo "FAIL $*"; }
# shellcheck source=tests/prereq_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/prereq_lib.sh"
reference_python   # without one, the reference reader's part is skipped

bash "$SRC/fixtures/gen/make_family_archives.sh" "$VERSION" "$SGZ" "$GEN" "$T/gen" >/dev/null 2>"$T/err" ||
  { echo "FAIL make_family_archives.sh: $(cat "$T/err")"; exit 1; }
# restored ARCHIVE OUT HOW: every member in OUT is the generated one, and nothing else
# (large.sgz: of the family with 48 times the rows).
restored() {
  local archive=$1 out=$2 how=$3 f FAMILY=$T/gen/family n_members
  case $archive in large*.sgz) FAMILY=$T/gen/large ;; esac
  n_members=$(ls "$FAMILY" | wc -l)
  for f in "$FAMILY"/*; do
    if cmp -s "$f" "$out/$(basename "$f")"; then pass=$((pass + 1)); else fail "$archive ($how): $(basename "$f") differs"; fi
  done
  [ "$(ls "$out" | wc -l)" = "$n_members" ] || fail "$archive ($how): $(ls "$out" | wc -l) members, want $n_members"
}

# 2.5 adds only what the default preset writes for Q6_K (family-max.sgz predicts
# the scales by search: it stays 2.4).
archives=(family.sgz)
[ "$VERSION" != 2.5 ] && archives+=(family-max.sgz)
[ "$VERSION" = 2.4 ] && archives+=(large.sgz)
# Written by an earlier writer, read only (no golden): large.sgz as sgz wrote it before
# its fast levels stored streams that rans shrinks by less than 1/128.
earlier=()
[ "$VERSION" = 2.4 ] && earlier+=(large-2026-12-02.sgz)
for a in "${archives[@]}" "${earlier[@]}"; do
  case " ${earlier[*]} " in
  *" $a "*) ;;
  *) if cmp "$FIX/$a" "$T/gen/$a" >/dev/null 2>&1; then pass=$((pass + 1));
     else fail "golden: the writer no longer writes $a byte for byte ($(cmp "$FIX/$a" "$T/gen/$a" 2>&1 | head -1))"; fi ;;
  esac
  # The version asked for, with predicted chunks.
  if "$SGZ" info "$FIX/$a" --json | grep -q "\"format_version\": \"$VERSION\""; then pass=$((pass + 1));
  else fail "$a: not $VERSION"; fi
  mkdir -p "$T/file-$a" "$T/pipe-$a" "$T/ref-$a"
  if "$SGZ" unpack -q "$FIX/$a" -C "$T/file-$a" 2>"$T/err"; then restored "$a" "$T/file-$a" file;
  else fail "sgz unpack $a: $(cat "$T/err")"; fi
  if "$SGZ" unpack -q - -C "$T/pipe-$a" < "$FIX/$a" 2>"$T/err"; then restored "$a" "$T/pipe-$a" pipe;
  else fail "sgz unpack - $a: $(cat "$T/err")"; fi
  if [ -z "$PY" ]; then
    [ "${CI:-}" = true ] && fail "no python3 with zstandard and xxhash (CI=true)"
    echo "SKIP reference reader: no python3 with the zstandard and xxhash modules"
  elif "$PY" "$SRC/format-spec/reference/sgz_reader.py" "$FIX/$a" -C "$T/ref-$a" 2>"$T/err"; then
    restored "$a" "$T/ref-$a" reference
  else
    fail "reference reader $a: $(cat "$T/err")"
  fi
done
echo "$pass passed, $fails failed"
[ "$fails" = 0 ]
