#!/usr/bin/env python3
"""fake_prometheus.py: a FAKE Prometheus for the faults a real one will not show (tests/integration/prometheus.sh).

    fake_prometheus.py LOG

listens on a free 127.0.0.1 port, prints it on stdout, and appends each request's path to
LOG. The first path segment picks how it answers, so one process serves every case: a
plugin configured with url = http://127.0.0.1:PORT/MODE asks for /MODE/api/v1/...

  garbage      200 with an HTML page (and a terminal escape) instead of JSON
  envelope     422 with Prometheus' error envelope
  unavailable  503 with a plain-text body, as a proxy in front of a dead server says
  stall        reads the request and never answers
  truncated    announces 100000 bytes, sends a few, and hangs up
  huge         announces 33 MiB, over the plugin's bound, and sends nothing after: only a
               client that reads the announced length refuses it before its timeout
  multi        a query_range answer with two series
  string       a query_range answer whose resultType is string
  badvalue     a point whose value is not a number
  status       200 with status "maybe"
  values       a well-formed answer with NaN, +Inf and -Inf values and a warning; instant
               queries get a score histogram with its buckets out of order
  nole         as values, but instant queries give a series without an le label
  auth         as values for "Authorization: Bearer fake-token" or basic auth fake:fake-pass,
               else 401 as Prometheus' web.config answers
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def matrix(series, warnings=None):
    body = {"status": "success", "data": {"resultType": "matrix", "result": series}}
    if warnings:
        body["warnings"] = warnings
    return body


class Fake(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with open(LOG, "a") as f:
            f.write(self.path + "\n")
        u = urlparse(self.path)
        parts = u.path.split("/", 2)
        mode, api = parts[1], "/" + (parts[2] if len(parts) > 2 else "")
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if mode == "auth":
            if self.headers.get("Authorization") not in ("Bearer fake-token", "Basic ZmFrZTpmYWtlLXBhc3M="):
                return self.send(401, b"Unauthorized\n", "text/plain")
            mode = "values"
        if mode == "garbage":
            return self.send(200, b"<html><body>It works!\x1b[2J</body></html>", "text/html")
        if mode == "envelope":
            return self.send(422, {"status": "error", "errorType": "execution",
                                   "error": "query processing would load too many samples into memory"})
        if mode == "unavailable":
            return self.send(503, b"Service Unavailable", "text/plain")
        if mode == "stall":
            time.sleep(3600)
            return None
        if mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'{"status":"success","data":{"resultType":"matrix","result":[')
            self.wfile.flush()
            self.close_connection = True
            return None
        if mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(33 << 20))
            self.end_headers()
            self.wfile.flush()
            time.sleep(3600)
            return None
        if api == "/api/v1/status/buildinfo":
            if mode == "values":
                return self.send(200, {"status": "success", "data": {"version": "0.0.0-fake"}})
            return self.send(200, {"status": "success", "data": {}})
        start, step = int(q.get("start", "0")), int(q.get("step", "60"))
        point = lambda i, v: [start + i * step, v]
        if mode == "multi":
            return self.send(200, matrix([{"metric": {"pod": "a"}, "values": [point(0, "1")]},
                                          {"metric": {"pod": "b"}, "values": [point(0, "2")]}]))
        if mode == "string":
            return self.send(200, {"status": "success", "data": {"resultType": "string", "result": [0, "x"]}})
        if mode == "badvalue":
            return self.send(200, matrix([{"metric": {}, "values": [point(0, "1"), point(1, "fast")]}]))
        if mode == "status":
            return self.send(200, {"status": "maybe", "data": {}})
        if mode == "nole" and api == "/api/v1/query":
            return self.send(200, {"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {}, "value": [int(q.get("time", "0")), "5"]}]}})
        if mode in ("values", "nole"):
            if api == "/api/v1/query_range":
                return self.send(200, matrix([{"metric": {}, "values": [
                    point(0, "NaN"), point(1, "+Inf"), point(2, "-Inf"), point(3, "0.25"), point(4, "1e-3")]}],
                    warnings=["the fake's remote store answered partially"]))
            t = int(q.get("time", "0"))
            les = [("+Inf", 100), ("0.5", 40), ("1", 100), ("0.25", 10)]
            if "min_over_time" in q.get("query", ""):
                return self.send(200, {"status": "success", "data": {"resultType": "vector", "result": []}})
            return self.send(200, {"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {"le": le}, "value": [t, str(c)]} for le, c in les]}})
        return self.send(404, b"404 page not found", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up on a fault is what the tests do on purpose


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    LOG = sys.argv[1]
    srv = Server(("127.0.0.1", 0), Fake)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()
