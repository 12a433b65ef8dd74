#!/usr/bin/env bash
# Archives read over HTTP from a real nginx on 127.0.0.1 (its own config,
# logs and pid under the test's temporary directory): `sgz cat URL TENSOR`
# of an archive of an llm-mix file costs at most 3 requests in all (counted
# in nginx's access log: the tail, the header, the tensor's chunks in one
# range), `sgz unpack URL` is byte-exact and fetches the archive once (plus
# the tail and 64 KiB around the header), ls/info/verify work, members of an archive
# of several files are read and unpacked, credentials never reach a message.
# Skips (77) without nginx, curl or the corpus; under CI=true that fails.
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli_test_lib.sh"
# shellcheck source=tests/http/http_test_lib.sh
. "$SRC/tests/http/http_test_lib.sh"
need_http_tools
need_corpus "$SRC" llm-mix
MIX=$CORPUS/llm-mix
Q4=$MIX/esrgan-thick-llm-mix-Q4_K_M.gguf
mkdir -p "$T/www"
check pack 0 "$SGZ" pack "$Q4" -o "$T/www/q4.gguf.sgz"
# Without prediction: packing predicted members takes a minute.
check pack-mix 0 "$SGZ" pack "$MIX" --no-predict -o "$T/www/mix.sgz"
start_nginx "$T/www"
U=$URL/q4.gguf.sgz

# The largest tensor (its chunks in one range request).
tensor=$("$SGZ" ls "$T/www/q4.gguf.sgz" --json | python3 -c 'import json,sys
t = json.load(sys.stdin)["tensors"]; print(max(t, key=lambda x: x["size"])["name"])')
"$SGZ" cat "$T/www/q4.gguf.sgz" "$tensor" -o "$T/want.bin"
n=$(wc -l < "$ACCESS_LOG")
check cat 0 "$SGZ" cat "$U" "$tensor" -o "$T/got.bin" --stats
same "cat URL $tensor" "$T/want.bin" "$T/got.bin"
used=$(requests_since "$n")
[ "$used" -le 3 ] && ok || fail "cat URL TENSOR: $used requests, want at most 3" "$ACCESS_LOG"
expect_err "cat --stats counts requests" "^HTTP: $used requests, [0-9]* bytes received$"
echo "cat URL $tensor: $(tail -n 1 "$T/err")"

# A range over many chunks: adjacent chunks come in one range request.
"$SGZ" cat -f "$T/www/q4.gguf.sgz" --range 0:12M -o "$T/want.bin"
n=$(wc -l < "$ACCESS_LOG")
check cat-range 0 "$SGZ" cat -f "$U" --range 0:12M -o "$T/got.bin" --stats
same "cat URL --range" "$T/want.bin" "$T/got.bin"
used=$(requests_since "$n")
[ "$used" -le 3 ] && ok || fail "cat URL --range 0:12M: $used requests, want at most 3" "$ACCESS_LOG"
expect_err "cat --range: several chunks" "decoded [1-9][0-9] of"

# unpack: byte-exact, the archive fetched once (ranges on -T connections).
n=$(wc -l < "$ACCESS_LOG")
check unpack 0 "$SGZ" unpack "$U" -o "$T/q4.gguf" --stats -T 2
same "unpack URL" "$Q4" "$T/q4.gguf"
got=$(sed -n 's/^HTTP: [0-9]* requests\?, \([0-9]*\) bytes\? received.*/\1/p' "$T/err")
size=$(wc -c < "$T/www/q4.gguf.sgz")
# The archive once, and the 64 KiB read with the 16-byte header.
[ "${got:-0}" -le $((size + 65536 + 16)) ] && ok || fail "unpack URL received '$got' bytes of a $size-byte archive" "$T/err"
echo "unpack URL: $(tail -n 1 "$T/err") ($(requests_since "$n") in nginx's log)"
# The default output name is the URL's last component without .sgz.
(cd "$T" && "$SGZ" unpack -f "$U" >/dev/null 2>&1) && same "unpack URL (default name)" "$Q4" "$T/q4.gguf" ||
  fail "unpack URL into the current directory"

# ls, info and verify say over HTTP what they say of the file.
for cmd in ls info; do
  "$SGZ" $cmd "$T/www/q4.gguf.sgz" 2>&1 | sed "s|$T/www/q4.gguf.sgz|ARCHIVE|" > "$T/local"
  "$SGZ" $cmd "$U" 2>&1 | sed "s|$U|ARCHIVE|" > "$T/remote"
  same "$cmd URL" "$T/local" "$T/remote"
done
check verify 0 "$SGZ" verify "$U"
grep -q "^$U: OK" "$T/out" && ok || fail "verify URL output" "$T/out"

# An archive of several members: a member's tensor, every member unpacked.
member=llm-mix/esrgan-thick-llm-mix-BF16.gguf
n=$(wc -l < "$ACCESS_LOG")
check cat-member 0 "$SGZ" cat -f "$URL/mix.sgz" "$member" "$tensor" -o "$T/got.bin"
"$SGZ" cat -f "$T/www/mix.sgz" "$member" "$tensor" -o "$T/want.bin"
same "cat URL MEMBER TENSOR" "$T/want.bin" "$T/got.bin"
used=$(requests_since "$n")
[ "$used" -le 3 ] && ok || fail "cat URL MEMBER TENSOR: $used requests, want at most 3" "$ACCESS_LOG"
mkdir "$T/mix"
check unpack-members 0 "$SGZ" unpack "$URL/mix.sgz" -C "$T/mix"
for f in "$MIX"/*; do same "unpack URL -C: ${f##*/}" "$f" "$T/mix/llm-mix/${f##*/}"; done
check verify-members 0 "$SGZ" verify "$URL/mix.sgz"

# Credentials in a URL never reach a message.
check missing 3 "$SGZ" cat "http://someone:secret@127.0.0.1:${URL##*:}/none.sgz" x
grep -q secret "$T/err" && fail "credentials in a message" "$T/err" || ok
expect_err "404 named" "^sgz: http://\*\*\*@127.0.0.1:[0-9]*/none.sgz: I/O error: HTTP 404 Not Found$"
finish
