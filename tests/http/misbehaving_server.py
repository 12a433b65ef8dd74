#!/usr/bin/env python3
"""A small HTTP server for the tests of archives read over HTTP: it serves
one file at /a.sgz, correctly or in one of the ways a server goes wrong.

usage: misbehaving_server.py FILE MODE PORT_FILE LOG_FILE

Writes the port it listens on (127.0.0.1, chosen by the system) to
PORT_FILE and a line per request ("GET /a.sgz Range If-Range -> status")
to LOG_FILE. A request for the file's end ("Range: bytes=-N", the reader's
first) is always answered correctly; MODE says what the others get:

  ok                correct 206 replies, with an ETag
  ignore-ranges     200 and the whole file, to every request
  bad-range         206 whose Content-Range is one byte off
  short-body        206 whose body stops halfway (the connection closed)
  changed           the file's ETag changes (If-Range then gets 200, whole)
  503-twice         503 to the first two attempts of each later range
  503               503 to every later request
  reset-twice       the first two attempts of each later range reset
  reset             every later request reset
  redirect          /a.sgz is a 302 to /b.sgz (always), served correctly
  redirect-loop     /a.sgz redirects to itself after the first request
  slow              later requests get nothing for 3 s

Bounded: it exits after 400 requests or 120 seconds.
"""
import http.server
import os
import socket
import socketserver
import struct
import sys
import threading
import time

FILE, MODE, PORT_FILE, LOG_FILE = sys.argv[1:5]
DATA = open(FILE, "rb").read()
LOCK = threading.Lock()
STATE = {"requests": 0, "attempts": {}}


def parse_range(value, size):
    """(first, last) of 'bytes=a-b' or 'bytes=-n', or None."""
    if not value or not value.startswith("bytes=") or "," in value:
        return None
    a, _, b = value[6:].partition("-")
    if a == "":
        n = int(b)
        return (max(0, size - n), size - 1)
    first = int(a)
    last = int(b) if b else size - 1
    return (first, min(last, size - 1))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def log(self, status):
        with open(LOG_FILE, "a") as f:
            f.write("%s %s %s %s -> %s\n" % (self.command, self.path, self.headers.get("Range"),
                                            self.headers.get("If-Range"), status))

    def reset(self):
        self.log("reset")
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def send(self, status, body, headers):
        self.log(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with LOCK:
            STATE["requests"] += 1
            n = STATE["requests"]
            rng = self.headers.get("Range")
            key = rng
            STATE["attempts"][key] = STATE["attempts"].get(key, 0) + 1
            attempt = STATE["attempts"][key]
        # The reader's request for the tail ("bytes=-N") is always answered
        # correctly: the misbehaviour meets the reads after it.
        first = rng is not None and rng.startswith("bytes=-")
        etag = '"v1"' if first or MODE != "changed" else '"v2"'
        if MODE == "redirect" and self.path == "/a.sgz":
            return self.send(302, b"", [("Location", "/b.sgz"), ("Content-Length", "0")])
        if MODE == "redirect-loop" and not first:
            return self.send(302, b"", [("Location", "/a.sgz"), ("Content-Length", "0")])
        if self.path not in ("/a.sgz", "/b.sgz"):
            return self.send(404, b"", [("Content-Length", "0")])
        if not first:
            if MODE == "503" or (MODE == "503-twice" and attempt <= 2):
                return self.send(503, b"busy\n", [("Content-Length", "5")])
            if MODE == "reset" or (MODE == "reset-twice" and attempt <= 2):
                return self.reset()
            if MODE == "slow":
                time.sleep(3)
                return self.reset()
        r = parse_range(rng, len(DATA))
        if_range = self.headers.get("If-Range")
        whole = r is None or MODE == "ignore-ranges" or (if_range is not None and if_range != etag)
        headers = [("ETag", etag), ("Accept-Ranges", "bytes")]
        if whole:
            return self.send(200, DATA, headers + [("Content-Length", str(len(DATA)))])
        a, b = r
        body = DATA[a:b + 1]
        shown = (a, b)
        if not first and MODE == "bad-range":
            shown = (a + 1, b + 1)
        if not first and MODE == "short-body":
            self.log(206)
            self.send_response(206)
            for k, v in headers + [("Content-Range", "bytes %d-%d/%d" % (a, b, len(DATA))),
                                   ("Content-Length", str(len(body)))]:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.close_connection = True
            return
        self.send(206, body, headers + [("Content-Range", "bytes %d-%d/%d" % (shown[0], shown[1], len(DATA))),
                                        ("Content-Length", str(len(body)))])


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up (as sgz does on a wrong reply) is no error here


def main():
    server = Server(("127.0.0.1", 0), Handler)
    tmp = PORT_FILE + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, PORT_FILE)
    start = time.time()
    server.timeout = 0.5
    while time.time() - start < 120 and STATE["requests"] < 400:
        server.handle_request()


main()
