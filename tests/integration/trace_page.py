"""trace_page.py: reads what headless Chromium made of a trace report (tests/integration/trace-browser.sh): the requests the page caused, the DOM it built, and the colours of its screenshot.

usage: trace_page.py requests NETLOG   page-initiated URLs in a --log-net-log file, one a line
       trace_page.py dom FILE          what the DOM (--dump-dom) holds, as JSON
       trace_page.py pixels PNG        colour counts of a screenshot, as JSON

Standard library only: the PNG is decoded here (zlib and the five scanline
filters), so the check needs nothing the test machine might lack.
"""
import json
import struct
import sys
import zlib
from html.parser import HTMLParser


def requests(path):
    """URLs the page asked for: URL_REQUEST_START_JOB events whose network
    isolation key is the file:// page's (Chromium's own background traffic,
    which the flags do not all silence, has another key)."""
    log = json.load(open(path))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    out = set()
    for ev in log["events"]:
        p = ev.get("params", {})
        if types.get(ev["type"]) != "URL_REQUEST_START_JOB":
            continue
        if "file://" in str(p.get("network_isolation_key", "")) and not str(p.get("url", "")).startswith("file:"):
            out.add(p["url"])
    for u in sorted(out):
        print(u)


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = {}
        self.attrs = set()
        self.nodes = []  # classes of each <g class="node ...">
        self.gap_labels = []
        self.h1 = ""
        self.title = ""
        self.svg_title = ""
        self.svg_text = []
        self.gap_items = 0
        self._in = []
        self._label = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            self.attrs.add(k)
            if v and ("url(" in v or "://" in v) and k not in ("content",):
                self.attrs.add("URL-IN-" + k)
        cls = a.get("class", "") or ""
        if tag == "g" and cls.split()[:1] == ["node"]:
            self.nodes.append(cls)
        if tag == "li" and "gap" in cls.split():
            self.gap_items += 1
        if tag == "text" and "gap-label" in cls.split():
            self._label = ""
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag == "text" and self._label is not None:
            self.gap_labels.append(self._label)
            self._label = None
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if self._label is not None:
            self._label += data
        if "h1" in self._in:
            self.h1 += data
        if self._in and self._in[-1] == "title":
            if "svg" in self._in:
                self.svg_title += data
            else:
                self.title += data
        if "svg" in self._in and self._in[-1] == "text":
            self.svg_text.append(data)


def dom(path):
    d = Dom()
    d.feed(open(path, encoding="utf-8").read())
    print(json.dumps({"tags": d.tags, "attrs": sorted(d.attrs), "nodes": d.nodes, "gap_labels": d.gap_labels,
                      "h1": d.h1, "title": d.title, "svg_title": d.svg_title, "svg_text": d.svg_text,
                      "gap_items": d.gap_items}))


def png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise SystemExit("unexpected PNG: depth %d colour type %d interlace %d" % (depth, ctype, interlace))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


# The report's colours (cli/trace-html.c): node fills, the gap red, and the
# picture's own background, which tells where the picture is.
COLOURS = {"dataset": (0xe6, 0xef, 0xfa), "run": (0xe8, 0xf5, 0xe4), "model": (0xef, 0xe7, 0xf8),
           "gap": (0xd9, 0x30, 0x25), "picture": (0xfb, 0xfc, 0xfd)}


def near(px, c, tol=3):
    return abs(px[0] - c[0]) <= tol and abs(px[1] - c[1]) <= tol and abs(px[2] - c[2]) <= tol


def pixels(path):
    w, h, bpp, rows = png(path)
    count = {k: 0 for k in COLOURS}
    # Where the picture's background fills most of a row and a column: a
    # stray anti-aliased pixel of the same colour elsewhere does not count.
    prow, pcol = [0] * h, [0] * w
    reds = []
    white = 0
    seen = set()
    for y in range(h):
        r = rows[y]
        for x in range(w):
            px = (r[x * bpp], r[x * bpp + 1], r[x * bpp + 2])
            if x % 4 == 0 and y % 4 == 0:
                seen.add(px)
            if px == (255, 255, 255):
                white += 1
                continue
            for k, c in COLOURS.items():
                if near(px, c, 1 if k == "picture" else 3):
                    count[k] += 1
                    if k == "gap":
                        reds.append((x, y))
                    elif k == "picture":
                        prow[y] += 1
                        pcol[x] += 1
    ys = [y for y in range(h) if prow[y] > 200]
    xs = [x for x in range(w) if pcol[x] > 40]
    box = [min(xs), min(ys), max(xs), max(ys)] if xs and ys else [0, 0, -1, -1]
    in_pic = sum(1 for x, y in reds if box[0] <= x <= box[2] and box[1] <= y <= box[3])
    print(json.dumps({"width": w, "height": h, "nonwhite": 1 - white / float(w * h), "colours": len(seen),
                      "count": count, "picture": box, "gap_in_picture": in_pic,
                      "gap_above_picture": sum(1 for x, y in reds if y < box[1])}))


if __name__ == "__main__":
    {"requests": requests, "dom": dom, "pixels": pixels}[sys.argv[1]](sys.argv[2])
