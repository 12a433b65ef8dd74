# shellcheck shell=bash
# Sourced by the tests of archives read over HTTP (tests/http/*_test.sh),
# after cli_test_lib.sh: starts servers on 127.0.0.1 on a free port, each
# with its files in $T, and stops them when the test exits.
#   start_nginx ROOT      nginx serving ROOT; sets URL (http://127.0.0.1:PORT)
#                         and ACCESS_LOG (one line per request)
#   start_server FILE MODE  misbehaving_server.py serving FILE at $URL/a.sgz;
#                         sets URL and REQUEST_LOG
#   requests_since N      lines of ACCESS_LOG after the first N
SERVER_PIDS=()
stop_servers() {
  local p
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  SERVER_PIDS=()
}
trap 'stop_servers; chmod -R u+rwx "$T"; rm -rf "$T"' EXIT

need_http_tools() {
  command -v curl >/dev/null || skip "curl not installed (scripts/install-deps.sh)"
  command -v python3 >/dev/null || skip "python3 not installed"
}

# wait_port FILE: the port a server wrote to FILE (at most 10 s).
wait_port() {
  local i
  for i in $(seq 100); do
    [ -s "$1" ] && { cat "$1"; return 0; }
    sleep 0.1
  done
  return 1
}

start_nginx() {
  local nginx port conf i
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$nginx" ] || skip "nginx not installed (Debian nginx-light; scripts/install-deps.sh)"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$T/nginx"
  conf=$T/nginx/nginx.conf
  ACCESS_LOG=$T/nginx/access.log
  # Everything nginx writes is under $T/nginx; as root, its worker reads as root.
  cat > "$conf" <<CONF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
  access_log $ACCESS_LOG;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
  server { listen 127.0.0.1:$port; root $1; }
}
CONF
  : > "$ACCESS_LOG"
  "$nginx" -p "$T/nginx" -c "$conf" -e "$T/nginx/error.log" &
  SERVER_PIDS+=($!)
  URL=http://127.0.0.1:$port
  for i in $(seq 100); do
    curl -s -o /dev/null "$URL/" && break
    sleep 0.1
  done
  curl -s -o /dev/null "$URL/" || { cat "$T/nginx/error.log"; fail "nginx did not start"; finish; }
  : > "$ACCESS_LOG"
}

start_server() {
  local dir port
  dir=$(mktemp -d "$T/server.XXXXXX")
  REQUEST_LOG=$dir/requests.log
  : > "$REQUEST_LOG"
  python3 "$SRC/tests/http/misbehaving_server.py" "$1" "$2" "$dir/port" "$REQUEST_LOG" &
  SERVER_PIDS+=($!)
  port=$(wait_port "$dir/port") || { fail "test server did not start"; finish; }
  URL=http://127.0.0.1:$port
}

requests_since() { tail -n +"$(($1 + 1))" "$ACCESS_LOG" | wc -l; }
