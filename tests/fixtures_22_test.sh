#!/usr/bin/env bash
# The 2.2 fixtures of several members (fixtures/format-2.2-records, format-2.2-appended).
#   golden: the writer, given the same sources and mtimes (fixtures/gen/make_2.2_archives.sh),
#           writes both archives byte for byte again, at -T1 and at -T2; sgz unpack -C
#           restores each member as its SOURCES.txt names it, from the file and (records)
#           from a pipe.
#   stream: `sgz unpack - -C` restores the appended archive from a pipe (a dead footer of
#           a lower minor, a leading member without a record).
# usage: fixtures_22_test.sh golden|stream SGZ SOURCE_DIR
set -u
MODE=$1 SGZ=$2 SRC=$3
FIX=$SRC/fixtures
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fails=0
fail() { fails=$((fails + 1)); echo "FAIL $*"; }

# restored DIR ARCHIVE OUT: every member of DIR/ARCHIVE in OUT is its source.
restored() {
  local dir=$1 archive=$2 out=$3 a m s
  while read -r a m s; do
    case $a in ''|'#'*) continue ;; esac
    [ "$a" = "$archive" ] || continue
    if cmp -s "$FIX/$s" "$out/$m"; then pass=$((pass + 1)); else fail "$dir/$archive: member $m is not $s"; fi
  done < "$FIX/$dir/SOURCES.txt"
}

# unpack DIR ARCHIVE file|pipe: sgz unpack -C from the archive file or from a pipe.
unpack() {
  local dir=$1 archive=$2 how=$3
  local out=$T/out-$how-$archive
  mkdir -p "$out"
  if [ "$how" = file ]; then
    "$SGZ" unpack -q "$FIX/$dir/$archive" -C "$out" 2> "$T/err"
  else
    "$SGZ" unpack -q - -C "$out" < "$FIX/$dir/$archive" 2> "$T/err"
  fi
  if [ $? = 0 ]; then
    restored "$dir" "$archive" "$out"
    if [ "$(ls "$out" | wc -l)" = "$(grep -c "^$archive " "$FIX/$dir/SOURCES.txt")" ]; then pass=$((pass + 1));
    else fail "$dir/$archive ($how): $(ls "$out" | tr '\n' ' ')"; fi
  else
    fail "sgz unpack -C of $dir/$archive ($how): $(cat "$T/err")"
  fi
}

# same WANT GOT WHAT: GOT is WANT byte for byte, or the first offset where they differ.
same() {
  local want=$1 got=$2 what=$3 r at
  if r=$(cmp "$want" "$got" 2>&1); then pass=$((pass + 1)); return; fi
  at=$(printf '%s' "$r" | sed -n 's/.*differ: \(byte\|char\) \([0-9]*\).*/\2/p')
  if [ -n "$at" ]; then at=$((at - 1)); else at=$(printf '%s' "$r" | sed -n 's/.*EOF on .* after byte \([0-9]*\).*/\1/p'); fi
  fail "$what differs from ${want#"$SRC"/} first at byte offset ${at:-?} ($(printf '0x%x' "${at:-0}"); sizes $(stat -c %s "$want") committed, $(stat -c %s "$got") now).
  The writer no longer writes what it wrote when the fixture was made. If the change is intended,
  regenerate the fixture (fixtures/gen/make_2.2_archives.sh build/sgz DIR, then copy the archive) and
  update the SOURCES.txt that describes it; if the format changed, add a new fixture directory
  instead and keep this one: archives already written must keep reading. (The fixtures were written
  with libzstd 1.5.4; another zstd may compress differently.)"
}

case $MODE in
golden)
  for threads in 1 2; do
    if bash "$FIX/gen/make_2.2_archives.sh" "$SGZ" "$T/T$threads" -T"$threads" 2> "$T/err"; then
      same "$FIX/format-2.2-records/four-members.sgz" "$T/T$threads/four-members.sgz" "sgz pack -T$threads"
      same "$FIX/format-2.2-appended/one-plus-two.sgz" "$T/T$threads/one-plus-two.sgz" "sgz pack and sgz add -T$threads"
    else
      fail "make_2.2_archives.sh -T$threads: $(cat "$T/err")"
    fi
  done
  # Independent of the thread count, whatever the committed bytes.
  same "$T/T1/four-members.sgz" "$T/T2/four-members.sgz" "sgz pack -T2 (against -T1)"
  same "$T/T1/one-plus-two.sgz" "$T/T2/one-plus-two.sgz" "sgz pack and sgz add -T2 (against -T1)"
  unpack format-2.2-records four-members.sgz file
  unpack format-2.2-appended one-plus-two.sgz file
  unpack format-2.2-records four-members.sgz pipe
  ;;
stream)
  unpack format-2.2-appended one-plus-two.sgz pipe
  ;;
*) echo "usage: $0 golden|stream SGZ SOURCE_DIR" >&2; exit 2 ;;
esac
echo "$pass passed, $fails failed"
[ "$fails" = 0 ]
