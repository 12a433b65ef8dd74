#!/usr/bin/env bash
# What sgz does when the server of an archive goes wrong, one case per run
# (usage: misbehave_test.sh SGZ SRC CASE), against misbehaving_server.py:
#   ignore-ranges   cat and unpack -C stop with one line naming --download;
#                   with --download they (and verify) work; unpack -o reads
#                   the body once, in order
#   bad-range       a Content-Range other than the one asked for: I/O error
#   short-body      a body shorter than announced: retried, then an I/O error,
#                   and unpack leaves no output file
#   changed         the archive changed (If-Range sent, 200 back): I/O error
#   503-twice       5xx retried: the read succeeds
#   503             5xx every time: I/O error after the retries
#   reset-twice     connection resets retried: the read succeeds
#   reset           resets every time: I/O error after the retries
#   redirect        followed
#   redirect-loop   too many redirects: I/O error
#   slow            --timeout 1: I/O error after the retries
#   credentials     user:password in the URL never reaches a message
# Skips (77) without curl or python3; under CI=true that fails.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli_test_lib.sh"
# shellcheck source=tests/http/http_test_lib.sh
. "$SRC/tests/http/http_test_lib.sh"
need_http_tools
CASE=$3
# 3 MiB that do not compress: the first chunks lie outside the 1 MiB tail
# the first request brings, so reading them takes range requests.
FIXTURE=$T/demo.bin
head -c 3145728 /dev/urandom > "$FIXTURE"
check pack 0 "$SGZ" pack "$FIXTURE" -o "$T/a.sgz" --chunk-size 256
range=1000:70000
"$SGZ" cat "$T/a.sgz" --range $range -o "$T/want.bin"
start_server "$T/a.sgz" "${CASE/credentials/ok}"
A=$URL/a.sgz
# fails_io NAME PATTERN: the last command exited 3 (I/O error) with one line
# naming the archive and matching PATTERN.
fails_io() {
  if [ "$rc" = 3 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -q "^sgz: $A: I/O error: .*$2" "$T/err"; then ok; else
    fail "$1: exit $rc, want 3 and one line matching '$2'" "$T/err"; fi
}
cat_works() {
  check "$1" 0 "$SGZ" cat "$A" --range $range -o "$T/got.bin" --stats "${@:2}"
  same "$1: the tensor" "$T/want.bin" "$T/got.bin"
}
case $CASE in
  ignore-ranges)
    run "$SGZ" cat "$A" --range $range -o "$T/got.bin"
    if [ "$rc" = 4 ] && [ "$(cat "$T/err")" = "sgz: $A: the server ignores range requests (it replied 200 with the whole file); --download reads a downloaded copy" ]; then ok; else
      fail "cat: exit $rc, want 4 and the --download line" "$T/err"; fi
    [ ! -e "$T/got.bin" ] && ok || fail "cat wrote an output"
    cat_works "cat --download" --download
    check unpack 0 "$SGZ" unpack "$A" -o "$T/demo.bin.out" --stats
    same "unpack: streamed" "$FIXTURE" "$T/demo.bin.out"
    expect_err "unpack: read in order" "sequentially"
    # Into a directory the members need the archive's end: --download.
    mkdir "$T/d"
    check "unpack -C" 4 "$SGZ" unpack "$A" -C "$T/d"
    expect_err "unpack -C: --download named" "ignores range requests.*--download"
    check "unpack -C --download" 0 "$SGZ" unpack "$A" -C "$T/d" --download
    same "unpack -C --download" "$FIXTURE" "$T/d/demo.bin"
    check "verify --download" 0 "$SGZ" verify "$A" --download
    ;;
  bad-range)
    run "$SGZ" cat "$A" --range $range -o "$T/got.bin"
    fails_io cat "Content-Range 'bytes [0-9]*-[0-9]*/[0-9]*' is not the range asked for (bytes [0-9]*-[0-9]*)$"
    [ ! -e "$T/got.bin" ] && ok || fail "cat wrote an output"
    ;;
  short-body)
    run "$SGZ" cat "$A" --range $range -o "$T/got.bin"
    fails_io cat "the reply ended after [0-9]* of [0-9]* bytes (after 4 attempts)$"
    run "$SGZ" unpack "$A" -o "$T/demo.bin.out"
    fails_io unpack "the reply ended after"
    [ -z "$(ls "$T" | grep demo.bin.out)" ] && ok || fail "unpack left a file: $(ls "$T")"
    ;;
  changed)
    run "$SGZ" cat "$A" --range $range -o "$T/got.bin"
    fails_io cat "the archive changed on the server since it was opened (ETag \"v1\" -> \"v2\")$"
    grep -q 'If-Range: *"v1"\|"v1" ->' "$REQUEST_LOG" && ok || fail "If-Range not sent" "$REQUEST_LOG"
    ;;
  503-twice|reset-twice)
    cat_works cat
    expect_err "retries counted" "^HTTP: .*, [0-9]* retr\(y\|ies\)$"
    ;;
  503)
    run "$SGZ" cat "$A" --range $range -o "$T/got.bin"
    fails_io cat "HTTP 503 Service Unavailable (after 4 attempts)$"
    ;;
  reset)
    run "$SGZ" cat "$A" --range $range -o "$T/got.bin"
    fails_io cat "(after 4 attempts)$"
    ;;
  redirect)
    cat_works cat
    grep -q "302" "$REQUEST_LOG" && ok || fail "no redirect seen" "$REQUEST_LOG"
    check unpack 0 "$SGZ" unpack "$A" -o "$T/demo.bin.out"
    same unpack "$FIXTURE" "$T/demo.bin.out"
    ;;
  redirect-loop)
    run "$SGZ" cat "$A" --range $range -o "$T/got.bin"
    fails_io cat "more than 5 redirects$"
    ;;
  slow)
    run "$SGZ" cat "$A" --range $range -o "$T/got.bin" --timeout 1
    fails_io cat "timed out: no reply for 1.0 s (after 4 attempts)$"
    ;;
  credentials)
    secret=http://someone:secret@${URL#http://}
    cat_works "cat with credentials" -T 1 2>/dev/null
    for u in "$secret/none.sgz" "$secret/a.sgz"; do
      run "$SGZ" cat "$u" --range 99999999:10
      grep -q secret "$T/err" && fail "credentials in a message" "$T/err" || ok
      grep -q '\*\*\*@' "$T/err" && ok || fail "the URL not named" "$T/err"
    done
    ;;
  *) fail "unknown case '$CASE'" ;;
esac
finish
