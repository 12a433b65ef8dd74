#!/usr/bin/env bash
# sgz mount of an archive at a URL (nginx on 127.0.0.1, as nginx_test.sh):
# mounting costs the two requests of opening (counted in nginx's access
# log), every file of the zoo and stories260K reads back byte-exact through
# the mount (four readers at once), and fusermount3 -u ends the mount with
# no mountpoint left. Skips (77) without /dev/fuse (also under CI=true, as
# tests/cli_mount_test.sh), nginx, curl or the corpus (those fail under CI=true).
# shellcheck source=tests/cli_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli_test_lib.sh"
# shellcheck source=tests/http/http_test_lib.sh
. "$SRC/tests/http/http_test_lib.sh"
if [ ! -e /dev/fuse ]; then echo "SKIP: no /dev/fuse (FUSE is not available here)"; exit 77; fi
command -v fusermount3 >/dev/null || skip "fusermount3 not found (Debian: fuse3)"
need_http_tools
need_corpus "$SRC" zoo
[ -d "$CORPUS/stories260K" ] || skip "corpus stories260K not found at $CORPUS/stories260K (set SGZ_CORPUS)"
"$SGZ" mount "$T/none.sgz" "$T" 2>"$T/err"
grep -q "built without FUSE" "$T/err" && skip "this sgz was built without FUSE (libfuse3-dev)"
trap 'mountpoint -q "$T/d" 2>/dev/null && fusermount3 -u "$T/d"; stop_servers; chmod -R u+rwx "$T"; rm -rf "$T"' EXIT

mkdir -p "$T/www" "$T/d"
"$SGZ" pack -q "$CORPUS/zoo" "$CORPUS/stories260K" -o "$T/www/a.sgz" || { fail "pack"; finish; }
start_nginx "$T/www"
"$SGZ" mount -f "$URL/a.sgz" "$T/d" 2>"$T/mount.err" &
pid=$!
for _ in $(seq 200); do mountpoint -q "$T/d" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
mountpoint -q "$T/d" && ok || { fail "mount of a URL: not mounted" "$T/mount.err"; finish; }
[ "$(requests_since 0)" -le 2 ] && ok || fail "mounting took $(requests_since 0) requests, want <= 2" "$ACCESS_LOG"
find "$CORPUS/zoo" "$CORPUS/stories260K" -type f | sort | while read -r f; do
  m=${f%/*}; echo "$f"; echo "$T/d/${m##*/}/${f##*/}"
done | xargs -d '\n' -n 2 -P 4 cmp > "$T/cmp.out" 2>&1
[ $? = 0 ] && [ ! -s "$T/cmp.out" ] && ok || fail "cmp through the mount of a URL" "$T/cmp.out"
[ "$(find "$T/d" -type f | wc -l)" = 19 ] && ok || fail "mount of a URL shows $(find "$T/d" -type f | wc -l) files, want 19"
check unmount 0 fusermount3 -u "$T/d"
wait "$pid" && ok || fail "mount of a URL exited $?" "$T/mount.err"
mountpoint -q "$T/d" && fail "stale mountpoint" || ok
finish
