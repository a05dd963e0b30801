# fake_alertmanager.py: a FAKE Alertmanager for the faults a real one never shows (garbage, errors, stalls, refusals); tests only.
#
# usage: python3 fake_alertmanager.py PORTFILE LOGFILE
# Listens on a free port of 127.0.0.1 and writes it to PORTFILE. The first
# path segment picks the behaviour, so one server serves every case: a
# plugin configured with url = http://127.0.0.1:PORT/garbage gets garbage.
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALERT = {
    "annotations": {"summary": "from the fake"},
    "endsAt": "2099-01-01T00:00:00Z",
    "fingerprint": "fa4efa4efa4efa4e",
    "receivers": [{"name": "null"}],
    "startsAt": "2026-01-01T00:00:00Z",
    "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
    "updatedAt": "2026-01-01T00:00:00Z",
    "labels": {"alertname": "FakeAlert", "model": "fraud-scoring", "severity": "warning"},
}


SILENCE = {
    "id": "00000000-0000-0000-0000-00000000beef",
    "status": {"state": "active"},
    "updatedAt": "2026-01-01T00:00:00Z",
    "comment": "from the fake",
    "createdBy": "someone",
    "startsAt": "2026-01-01T00:00:00Z",
    "endsAt": "2099-01-01T00:00:00Z",
    "matchers": [{"isEqual": True, "isRegex": False, "name": "alertname", "value": "FakeAlert"}],
}


class Fake(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        with open(sys.argv[2], "a") as f:
            f.write("%s %s\n" % (self.command, self.path))

    def send(self, code, body, ctype="application/json", length=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        parts = self.path.split("?")[0].split("/")
        mode = parts[1] if len(parts) > 1 else ""
        api = "/" + "/".join(parts[2:])
        self.log_message("")
        if mode == "garbage":
            return self.send(200, "<html>this is not JSON\x1b[31m</html>", "text/html")
        if mode == "error500":
            return self.send(500, "internal error: database on fire\n", "text/plain")
        if mode == "envelope":
            return self.send(400, json.dumps({"code": 601, "message": "filter in query should be a matcher"}))
        if mode == "wrongtype":
            return self.send(200, json.dumps({"alerts": []}))
        if mode == "truncated":
            # promises more than it sends, then closes
            self.send(200, '[{"fingerprint": "ab', length=5000)
            self.close_connection = True
            return
        if mode == "huge":
            # a list longer than any reply steward takes (32 MiB)
            return self.send(200, "[" + " " * (33 << 20) + "]")
        if mode == "stall":
            time.sleep(30)
            return self.send(200, "[]")
        if mode == "midway":
            # half a reply, then silence until the test kills the server
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'[{"fingerprint": "aa", "labels": {')
            self.wfile.flush()
            with open(sys.argv[2], "a") as f:
                f.write("MIDWAY\n")
            time.sleep(60)
            return
        if mode == "badalerts":
            bad = dict(ALERT, startsAt="yesterday at noon")
            return self.send(200, json.dumps([ALERT, bad]) if api == "/api/v2/alerts" else "[]")
        if mode == "nofingerprint":
            bad = {k: v for k, v in ALERT.items() if k != "fingerprint"}
            return self.send(200, json.dumps([bad]) if api == "/api/v2/alerts" else "[]")
        if mode in ("refuse", "noid"):
            # reads like a real server; refuses (or answers nonsense to) every silence
            if api == "/api/v2/alerts":
                return self.send(200, json.dumps([ALERT]))
            if api == "/api/v2/silences" and self.command == "GET":
                return self.send(200, json.dumps([SILENCE]))
            if api == "/api/v2/silences" and mode == "refuse":
                return self.send(400, json.dumps("Failed to create silence: the fake refuses every silence"))
            if api == "/api/v2/silences":
                return self.send(200, json.dumps({"silenceID": "../../etc/passwd"}))
            if api.startswith("/api/v2/silence/"):
                return self.send(500, json.dumps("silence not found"))
            if api == "/-/ready":
                return self.send(200, "OK", "text/plain")
        return self.send(404, "404 page not found\n", "text/plain")

    do_GET = handle_any
    do_POST = handle_any
    do_DELETE = handle_any


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
