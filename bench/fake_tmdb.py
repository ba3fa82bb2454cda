#!/usr/bin/env python3
"""A fake TMDB API v3 for bench/enrich.sh: loopback only, stdlib only, no delays.

    bench/fake_tmdb.py PORT [--api-key KEY] [--fixtures DIR] [--port-file FILE]

PORT 0 takes a free port; --port-file then receives the port once the server listens.
It answers what Kinora's metadata job asks for a movie:

- GET /3/search/movie?query=Q[&year=Y]: two results. The first is titled Q in title case,
  released in Y (or a year derived from Q), id derived from Q (a hash, six digits), the more
  popular; the second is a sequel-like decoy ("Q Returns", three years later).
- GET /3/movie/{id}[?append_to_response=credits,external_ids,release_dates]: the recorded
  movie 550 (fixtures 3/movie/550.json) with id, title, original title, IMDb id, release date,
  poster and backdrop paths replaced, and each appended sub-endpoint (3/movie/550/NAME.json)
  nested under its name without its top-level id, as TMDB nests it.
- GET /t/p/{size}/{file}: a small JPEG (any size, any file).
- GET /__stats: JSON counts of the requests seen, by kind (not counted itself).
- anything else: 404 with TMDB's recorded body (status_code 34).

Every /3/ request needs the key as the api_key query parameter (or Authorization: Bearer);
without it, 401 with TMDB's recorded body (status_code 7). Images need no key, as on TMDB's CDN.
The server exits when its parent process goes away.
"""

import argparse
import base64
import copy
import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "fixtures", "tmdb"))

# A 40x60 baseline JPEG (ffmpeg -f lavfi -i color=c=0x336699:size=40x60 -frames:v 1).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAh"
    "ISEkJCQqKiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABNAAEBAAAAAAAAAAAAAAAAAAAABgEB"
    "AQEAAAAAAAAAAAAAAAAAAAUGEAEAAAAAAAAAAAAAAAAAAAAAEQEAAAAAAAAAAAAAAAAAAAAA/8AAEQgAPAAoAwEiAAIR"
    "AAMRAP/aAAwDAQACEQMRAD8AmwGiQQAAAAAAAAAAAAAAAAAAAAAH/9k="
)
APPENDABLE = ("credits", "external_ids", "release_dates")


def load_json(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return json.load(f)


def digest(text):
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def title_case(query):
    return " ".join(w[:1].upper() + w[1:] for w in query.split())


def movie_id(title):
    """Six digits from the title; the same title (any case) always gets the same id."""
    return 100000 + digest(title.lower()) % 900000


def image_path(movie, kind):
    """A TMDB-like file path (/ + 27 letters/digits + .jpg), distinct per movie and kind."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    raw = hashlib.sha256(f"{kind}:{movie}".encode()).digest()
    chars = [alphabet[b % len(alphabet)] for b in raw[:27]]
    return "/" + "".join(chars) + ".jpg"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def hit(self, kind):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def snapshot(self):
        with self.lock:
            out = dict(self.counts)
        api = sum(v for k, v in out.items() if k not in ("image", "unauthorized"))
        out["api_total"] = api
        return out


class Fake:
    def __init__(self, fixtures, api_key):
        self.api_key = api_key
        self.movie = load_json(fixtures, "3/movie/550.json")
        self.sub = {}
        for name in APPENDABLE:
            body = load_json(fixtures, f"3/movie/550/{name}.json")
            body.pop("id", None)
            self.sub[name] = body
        self.err401 = json.dumps(load_json(fixtures, "errors/401-invalid-api-key.json")).encode()
        self.err404 = json.dumps(load_json(fixtures, "errors/404-resource-not-found.json")).encode()
        self.err422 = json.dumps(load_json(fixtures, "errors/422-validation-error.json")).encode()
        # Titles and years the searches handed out, so that /3/movie/{id} answers the same film.
        self.known = {}
        self.known_lock = threading.Lock()
        self.stats = Stats()

    def remember(self, mid, title, year):
        with self.known_lock:
            self.known[mid] = (title, year)

    def search_movie(self, q):
        query = " ".join(q.get("query", [""])[0].split())
        if not query:
            return 422, self.err422
        title = title_case(query)
        year_s = q.get("year", q.get("primary_release_year", [""]))[0]
        year = int(year_s) if year_s.isdigit() else 1950 + digest(title.lower()) % 70
        results = []
        for i, (t, y, pop) in enumerate(
            [(title, year, 40.0 + digest(title) % 600 / 10), (f"{title} Returns", year + 3, 5.5)]
        ):
            mid = movie_id(t)
            self.remember(mid, t, y)
            results.append(
                {
                    "adult": False,
                    "backdrop_path": image_path(mid, "backdrop"),
                    "genre_ids": [18, 53] if i == 0 else [28],
                    "id": mid,
                    "original_language": "en",
                    "original_title": t,
                    "overview": self.movie["overview"] if i == 0 else "",
                    "popularity": pop,
                    "poster_path": image_path(mid, "poster"),
                    "release_date": f"{y:04d}-06-15",
                    "title": t,
                    "video": False,
                    "vote_average": 7.5,
                    "vote_count": 1200,
                }
            )
        body = {"page": 1, "results": results, "total_pages": 1, "total_results": len(results)}
        return 200, json.dumps(body).encode()

    def movie_detail(self, mid, q):
        with self.known_lock:
            title, year = self.known.get(mid, (f"Bench Movie {mid}", 1950 + mid % 70))
        body = copy.copy(self.movie)
        imdb = f"tt{9000000 + mid % 1000000:07d}"
        body.update(
            id=mid,
            title=title,
            original_title=title,
            imdb_id=imdb,
            release_date=f"{year:04d}-06-15",
            poster_path=image_path(mid, "poster"),
            backdrop_path=image_path(mid, "backdrop"),
        )
        wanted = q.get("append_to_response", [""])[0].split(",")
        for name in wanted:
            name = name.strip()
            if name in self.sub:
                part = self.sub[name]
                if name == "external_ids":
                    part = dict(part, imdb_id=imdb, wikidata_id=None, facebook_id=None)
                body[name] = part
        return 200, json.dumps(body).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length
    server_version = "fake-tmdb"
    fake = None  # set in main

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="application/json;charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def authorized(self, q):
        key = q.get("api_key", [None])[0]
        if key is None:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer "):
                key = auth[len("Bearer ") :].strip()
        return key == self.fake.api_key

    def do_GET(self):
        fake = self.fake
        url = urlsplit(self.path)
        path = url.path
        q = parse_qs(url.query, keep_blank_values=True)
        if path == "/__stats":
            return self.send(200, json.dumps(fake.stats.snapshot()).encode())
        if path.startswith("/t/p/"):
            fake.stats.hit("image")
            return self.send(200, JPEG, "image/jpeg")
        if path.startswith("/3/") and not self.authorized(q):
            fake.stats.hit("unauthorized")
            return self.send(401, fake.err401)
        parts = path.strip("/").split("/")
        if parts == ["3", "search", "movie"]:
            fake.stats.hit("search_movie")
            return self.send(*fake.search_movie(q))
        if len(parts) == 3 and parts[:2] == ["3", "movie"] and parts[2].isdigit():
            fake.stats.hit("movie")
            return self.send(*fake.movie_detail(int(parts[2]), q))
        fake.stats.hit("not_found")
        return self.send(404, fake.err404)

    do_HEAD = do_GET


def exit_with_parent(parent):
    """The bench kills us on exit; should it die first (SIGKILL), go anyway."""
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("port", type=int)
    ap.add_argument("--api-key", default="bench-tmdb-key")
    ap.add_argument("--fixtures", default=DEFAULT_FIXTURES)
    ap.add_argument("--port-file")
    args = ap.parse_args()

    Handler.fake = Fake(args.fixtures, args.api_key)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"fake TMDB on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
