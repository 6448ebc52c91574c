#!/usr/bin/env python3
"""A loopback stand-in for the parts of Discourse's API relman uses.

Listens on 127.0.0.1 (port 0), prints the port on the first line of stdout
and serves until killed. Like Discourse it answers:

  POST /posts.json     a new topic: JSON {title, raw, category, tags[]} with
                       the Api-Key and Api-Username headers. Without them:
                       403 not_logged_in; a wrong key or a user the key does
                       not belong to: 403 invalid_access ("The API username or
                       key is invalid."); a bad body or a title already used:
                       422 {"errors": [...]}; else 200 with the post
                       ({id, topic_id, topic_slug, post_number: 1, ...}).
  GET  /search.json    ?q=... : {"topics": [{id, title, slug, category_id}],
                       "posts": [...]}, the topics whose title contains every
                       word of q (filters such as in:title or #category are
                       ignored, category:ID is applied), as Discourse's search
                       matches words and not exact titles.

Tests script it through POST /_control/config (merged into the state) and
read GET /_control/posts (every post created) and GET /_control/requests
(method, path, headers of every request).

State keys:
  api_key:      the key that is accepted (default "test-discourse-key")
  api_username: the user it belongs to (default "release-bot")
  categories:   category ids that exist (default [5])
  faults:       [{"path": "/posts.json" (prefix), "times": 1,
                  "action": "status"|"delay_after_create",
                  "status": 500, "seconds": 2}]
                "delay_after_create" creates the post, then waits before it
                answers (a client killed meanwhile never learns of it).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOCK = threading.Lock()
STATE = {
    "api_key": "test-discourse-key",
    "api_username": "release-bot",
    "categories": [5],
    "faults": [],
}
POSTS = []
REQUESTS = []


def slugify(title):
    out = "".join(c.lower() if c.isalnum() else "-" for c in title)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "topic"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self):
        with LOCK:
            REQUESTS.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers.items())}
            )

    def fault(self, path):
        with LOCK:
            for f in STATE["faults"]:
                if path.startswith(f.get("path", "")) and f.get("times", 1) != 0:
                    if f.get("times", 1) > 0:
                        f["times"] = f.get("times", 1) - 1
                    return dict(f)
        return None

    def refused(self):
        key = self.headers.get("Api-Key")
        user = self.headers.get("Api-Username")
        if not key:
            self.reply(403, {"errors": ["You need to be logged in to do that."], "error_type": "not_logged_in"})
            return True
        if key != STATE["api_key"] or user != STATE["api_username"]:
            self.reply(
                403,
                {
                    "errors": [
                        "You are not permitted to view the requested resource. "
                        "The API username or key is invalid."
                    ],
                    "error_type": "invalid_access",
                },
            )
            return True
        return False

    def do_GET(self):
        self.record()
        url = urlparse(self.path)
        if url.path == "/_control/posts":
            with LOCK:
                return self.reply(200, POSTS)
        if url.path == "/_control/requests":
            with LOCK:
                return self.reply(200, REQUESTS)
        if url.path == "/search.json":
            if self.headers.get("Api-Key") and self.refused():
                return
            q = parse_qs(url.query).get("q", [""])[0]
            words, category = [], None
            for w in q.split():
                if w.startswith("category:"):
                    category = int(w.split(":", 1)[1])
                elif ":" in w or w.startswith("#"):
                    continue
                else:
                    words.append(w.strip('"').lower())
            with LOCK:
                topics = [
                    {"id": p["topic_id"], "title": p["title"], "slug": p["topic_slug"],
                     "category_id": p["category"]}
                    for p in POSTS
                    if all(w in p["title"].lower() for w in words)
                    and (category is None or p["category"] == category)
                ]
            return self.reply(200, {"topics": topics, "posts": [], "users": [], "categories": []})
        self.reply(404, {"errors": ["The requested URL or resource could not be found."], "error_type": "not_found"})

    def do_POST(self):
        self.record()
        raw_body = self.body()
        url = urlparse(self.path)
        if url.path == "/_control/config":
            with LOCK:
                STATE.update(json.loads(raw_body or b"{}"))
            return self.reply(200, {})
        if url.path != "/posts.json":
            return self.reply(404, {"errors": ["not found"], "error_type": "not_found"})
        if self.refused():
            return
        f = self.fault(url.path)
        if f and f.get("action", "status") == "status":
            return self.reply(f.get("status", 500), {"errors": ["fault injected"]})
        if "application/json" not in (self.headers.get("Content-Type") or ""):
            return self.reply(422, {"action": "create_post", "errors": ["expected a JSON body"]})
        try:
            post = json.loads(raw_body)
        except ValueError:
            return self.reply(400, {"errors": ["invalid JSON"], "error_type": "invalid_parameters"})
        errors = []
        title, raw = post.get("title"), post.get("raw")
        if not isinstance(title, str) or len(title) < 15:
            errors.append("Title must be at least 15 characters")
        if not isinstance(raw, str) or len(raw) < 20:
            errors.append("Body must be at least 20 characters")
        if post.get("category") not in STATE["categories"]:
            errors.append("Category can't be blank")
        tags = post.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            errors.append("Tags must be a list of names")
        with LOCK:
            if isinstance(title, str) and any(p["title"] == title for p in POSTS):
                errors.append("Title has already been used")
            if errors:
                return self.reply(422, {"action": "create_post", "errors": errors})
            n = len(POSTS) + 1
            created = {
                "id": 100 + n,
                "topic_id": 200 + n,
                "topic_slug": slugify(title),
                "post_number": 1,
                "title": title,
                "raw": raw,
                "category": post["category"],
                "tags": tags,
                "username": self.headers.get("Api-Username"),
            }
            POSTS.append(created)
        if f and f.get("action") == "delay_after_create":
            time.sleep(f.get("seconds", 2))
        self.reply(200, {k: v for k, v in created.items() if k not in ("title", "category", "tags")})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
