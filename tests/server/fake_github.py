#!/usr/bin/env python3
"""A loopback stand-in for GitHub, an upload server, a CDN and a webhook.

Listens on 127.0.0.1 (port 0 unless --port), prints the port on the first
line of stdout, and serves until killed. Tests script it through
POST /_control/config (a JSON object merged into the state), read what it
saw through GET /_control/requests, and inspect uploads through
GET /_control/uploads ({path: {size, sha256, text}}).

State keys (all optional):
  status:     {ref: {"state": ..., "statuses": [{"context", "state"}]}}
  check_runs: {ref: [{"name", "status", "conclusion"}]}
  issues:     [{"number", "title", "labels": [names], "state"}]
  workflows:  {workflow: {"conclusion": "success"|"failure",
                          "polls": N (GETs of the run before it completes),
                          "jobs": [{"name", "conclusion"}],
                          "artifacts": {name: {path: text}},
                          "create_run": true}}
  pypi:       {"project/version": [{"filename", "packagetype", "url",
                                    "digests": {"sha256"}}]} served as
              PyPI's JSON API at /pypi/PROJECT/VERSION/json
  token:      when set, /repos/ requests without "Bearer <token>" get 401
  faults:     [{"method": "GET", "path": "/repos/" (prefix), "times": 1,
                "action": "status"|"delay"|"cut"|"corrupt",
                "status": 500, "headers": {...}, "seconds": 2}]
              the first matching fault with times != 0 applies (times -1:
              forever); "cut" reads half a PUT body, stores that half (as a
              naive server would) and drops the connection; "corrupt" flips a
              byte of an upload served by GET; "trickle" announces "length"
              bytes (default 10 GiB) and sends "rate" bytes/s for "seconds";
              "flood" sends "bytes" of body at full speed, no Content-Length.

python.org's downloads API (/api/v1/downloads/) is fake_pydotorg.py's; its
state keys start with pydotorg_ and GET /_control/pydotorg shows its objects.
"""

import argparse
import copy
import hashlib
import io
import json
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import fake_pydotorg

LOCK = threading.Lock()
STATE = {
    "status": {},
    "check_runs": {},
    "issues": [],
    "workflows": {},
    "faults": [],
    "token": None,
}
RUNS = {}  # id -> run dict (with private keys starting with "_")
UPLOADS = {}  # path -> bytes
REQUESTS = []  # every request seen
HOOKS = []  # bodies POSTed to /hook...
NEXT_RUN = [1000]


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def public_run(run):
    return {k: v for k, v in run.items() if not k.startswith("_")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tests read /_control/requests
        pass

    # -- plumbing -------------------------------------------------------------

    def base(self):
        return "http://%s:%d" % self.server.server_address[:2]

    def body(self):
        if hasattr(self, "_body"):
            return self._body
        n = int(self.headers.get("Content-Length") or 0)
        self._body = self.rfile.read(n) if n else b""
        return self._body

    def send(self, status, payload=b"", ctype="application/json", headers=None):
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload).encode()
        elif isinstance(payload, str):
            payload = payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def record(self):
        with LOCK:
            REQUESTS.append({
                "method": self.command,
                "path": self.path,
                "headers": {k: v for k, v in self.headers.items()},
            })

    def take_fault(self, path):
        with LOCK:
            for f in STATE["faults"]:
                if f.get("times", 1) == 0:
                    continue
                if f.get("method", self.command) != self.command:
                    continue
                if not path.startswith(f.get("path", "/")):
                    continue
                if f.get("times", 1) > 0:
                    f["times"] = f.get("times", 1) - 1
                return copy.deepcopy(f)
        return None

    def handle_any(self):
        url = urlparse(self.path)
        path = unquote(url.path)
        query = parse_qs(url.query)
        if not path.startswith("/_control/"):
            self.record()
            fault = self.take_fault(path)
            if fault:
                action = fault.get("action", "status")
                if action == "delay":
                    time.sleep(fault.get("seconds", 5))
                elif action == "status":
                    self.body()
                    self.send(fault.get("status", 500), {"message": "scripted failure"},
                              headers=fault.get("headers"))
                    return
                elif action == "cut":
                    n = int(self.headers.get("Content-Length") or 0)
                    half = self.rfile.read(n // 2)
                    with LOCK:
                        UPLOADS[path] = half
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                elif action == "corrupt":
                    self._corrupt = True
                elif action == "trickle":
                    return self.trickle(fault)
                elif action == "flood":
                    return self.flood(fault)
        try:
            self.route(path, query)
        except BrokenPipeError:
            pass

    do_GET = do_POST = do_PUT = do_HEAD = do_PURGE = do_DELETE = do_PATCH = handle_any

    def trickle(self, fault):
        """Announces `length` bytes, then sends `rate` bytes a second for
        `seconds` (or until the client goes away)."""
        self.body()
        self.send_response(fault.get("status", 200))
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(fault.get("length", 10 * 2**30)))
        self.end_headers()
        end = time.time() + fault.get("seconds", 60)
        try:
            while time.time() < end:
                self.wfile.write(b"x" * fault.get("rate", 2))
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            pass
        self.close_connection = True

    def flood(self, fault):
        """Sends `bytes` of JSON-looking text at full speed, with no
        Content-Length (the end is the connection's close)."""
        self.body()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"[" + b"0," * 32768
        total, sent = fault.get("bytes", 256 * 2**20), 0
        try:
            while sent < total:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.close_connection = True

    # -- routes ---------------------------------------------------------------

    def route(self, path, query):
        if path.startswith("/_control/"):
            return self.control(path)
        if path.startswith("/upload/"):
            return self.upload_area(path)
        if path.startswith("/hook"):
            with LOCK:
                HOOKS.append({"path": path, "body": self.body().decode("utf-8", "replace")})
            return self.send(200, {"ok": True})
        if path.startswith("/zip/"):
            return self.artifact_zip(path)
        if path.startswith("/pypi/"):
            return self.pypi(path)
        if path.startswith(fake_pydotorg.PREFIX):
            return fake_pydotorg.handle(self, path, query, STATE)
        if self.command == "PURGE":
            return self.send(200, {"status": "ok", "id": "purge-1"})
        if path.startswith("/repos/"):
            token = STATE.get("token")
            if token and self.headers.get("Authorization") != "Bearer " + token:
                return self.send(401, {"message": "Bad credentials"})
            parts = path.split("/")
            # /repos/O/R/...
            if len(parts) < 5:
                return self.send(404, {"message": "Not Found"})
            rest = parts[4:]
            return self.github(rest, query)
        return self.send(404, {"message": "Not Found"})

    def control(self, path):
        if path == "/_control/config" and self.command == "POST":
            data = json.loads(self.body() or b"{}")
            with LOCK:
                STATE.update(data)
            return self.send(200, {"ok": True})
        if path == "/_control/requests":
            with LOCK:
                return self.send(200, REQUESTS)
        if path == "/_control/pydotorg":
            return self.send(200, fake_pydotorg.dump())
        if path == "/_control/hooks":
            with LOCK:
                return self.send(200, HOOKS)
        if path == "/_control/runs":
            with LOCK:
                return self.send(200, [public_run(r) for r in RUNS.values()])
        if path == "/_control/uploads":
            with LOCK:
                return self.send(200, {k: {"size": len(v), "sha256": hashlib.sha256(v).hexdigest(),
                                           "text": v.decode("latin-1")} for k, v in UPLOADS.items()})
        return self.send(404, {"message": "unknown control"})

    def upload_area(self, path):
        if self.command == "PUT":
            data = self.body()
            with LOCK:
                UPLOADS[path] = data
            return self.send(201, {"stored": len(data)})
        with LOCK:
            data = UPLOADS.get(path)
        if data is None:
            return self.send(404, {"message": "no such upload"})
        if self.command == "PURGE":
            return self.send(200, {"status": "ok"})
        if getattr(self, "_corrupt", False) and data:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        return self.send(200, data, ctype="application/octet-stream")

    def pypi(self, path):
        # /pypi/PROJECT/VERSION/json, PyPI's JSON API: the "urls" of a release.
        parts = path.split("/")
        if len(parts) != 5 or parts[4] != "json":
            return self.send(404, {"message": "Not Found"})
        with LOCK:
            release = STATE.get("pypi", {}).get(parts[2] + "/" + parts[3])
        if release is None:
            return self.send(404, {"message": "Not Found"})
        return self.send(200, {"info": {"name": parts[2], "version": parts[3]}, "urls": release})

    def artifact_zip(self, path):
        _, _, run_id, name = path.split("/", 3)
        with LOCK:
            run = RUNS.get(int(run_id))
        if not run:
            return self.send(404, {"message": "Not Found"})
        files = run["_artifacts"].get(name)
        if files is None:
            return self.send(404, {"message": "Not Found"})
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for fname, text in files.items():
                z.writestr(fname, text)
        return self.send(200, buf.getvalue(), ctype="application/zip")

    def github(self, rest, query):
        # rest: path after /repos/O/R/
        if rest[:1] == ["commits"] and len(rest) == 3 and rest[2] == "status":
            ref = rest[1]
            st = STATE["status"].get(ref, {"state": "pending", "statuses": []})
            return self.send(200, {"state": st.get("state", "pending"), "sha": ref,
                                   "statuses": st.get("statuses", []),
                                   "total_count": len(st.get("statuses", []))})
        if rest[:1] == ["commits"] and len(rest) == 3 and rest[2] == "check-runs":
            runs = STATE["check_runs"].get(rest[1], [])
            return self.send(200, {"total_count": len(runs), "check_runs": runs})
        if rest == ["issues"]:
            labels = [l for l in query.get("labels", [""])[0].split(",") if l]
            state = query.get("state", ["open"])[0]
            out = []
            for issue in STATE["issues"]:
                if state != "all" and issue.get("state", "open") != state:
                    continue
                if all(l in issue.get("labels", []) for l in labels):
                    item = dict(issue)
                    item["labels"] = [{"name": l} for l in issue.get("labels", [])]
                    item.setdefault("html_url", "https://github.com/o/r/issues/%d" % issue["number"])
                    out.append(item)
            return self.send(200, out)
        if rest[:2] == ["actions", "workflows"] and len(rest) == 4 and rest[3] == "dispatches":
            return self.dispatch(rest[2])
        if rest[:2] == ["actions", "workflows"] and len(rest) == 4 and rest[3] == "runs":
            return self.list_runs(query, rest[2])
        if rest[:2] == ["actions", "runs"] and len(rest) == 2:
            return self.list_runs(query, None)
        if rest[:2] == ["actions", "runs"] and len(rest) >= 3:
            with LOCK:
                run = RUNS.get(int(rest[2]))
            if not run:
                return self.send(404, {"message": "Not Found"})
            if len(rest) == 3:
                return self.get_run(run)
            if rest[3] == "jobs":
                return self.send(200, {"total_count": len(run["_jobs"]), "jobs": run["_jobs"]})
            if rest[3] == "artifacts":
                if STATE.get("no_artifacts"):
                    return self.send(200, {"total_count": 0, "artifacts": []})
                arts = [{"id": i + 1, "name": n, "size_in_bytes": 0, "expired": False,
                         "archive_download_url": "%s/zip/%d/%s" % (self.base(), run["id"], n)}
                        for i, n in enumerate(run["_artifacts"])]
                return self.send(200, {"total_count": len(arts), "artifacts": arts})
        return self.send(404, {"message": "Not Found"})

    def dispatch(self, workflow):
        if self.command != "POST":
            return self.send(405, {"message": "method"})
        token = STATE.get("token")
        data = json.loads(self.body() or b"{}")
        wf = STATE["workflows"].get(workflow)
        if wf is None:
            return self.send(404, {"message": "workflow not found"})
        if "ref" not in data:
            return self.send(422, {"message": "ref required"})
        if wf.get("create_run", True):
            with LOCK:
                NEXT_RUN[0] += 1
                rid = NEXT_RUN[0]
                RUNS[rid] = {
                    "id": rid,
                    "name": workflow,
                    "path": ".github/workflows/" + workflow,
                    "event": "workflow_dispatch",
                    "head_branch": data["ref"],
                    "status": "queued",
                    "conclusion": None,
                    "created_at": now_iso(),
                    "html_url": "https://github.com/o/r/actions/runs/%d" % rid,
                    "_workflow": workflow,
                    "_inputs": data.get("inputs", {}),
                    "_polls": wf.get("polls", 1),
                    "_conclusion": wf.get("conclusion", "success"),
                    "_jobs": [{"name": j["name"], "status": "completed", "conclusion": j.get("conclusion", "success"),
                               "html_url": "https://github.com/o/r/actions/runs/%d/job/%d" % (rid, i)}
                              for i, j in enumerate(wf.get("jobs", [{"name": "build"}]))],
                    "_artifacts": wf.get("artifacts", {}),
                }
        del token
        return self.send(204, b"")

    def list_runs(self, query, workflow):
        event = query.get("event", [None])[0]
        branch = query.get("branch", [None])[0]
        with LOCK:
            runs = [public_run(r) for r in sorted(RUNS.values(), key=lambda r: -r["id"])
                    if (workflow is None or r["_workflow"] == workflow)
                    and (event is None or r["event"] == event)
                    and (branch is None or r["head_branch"] == branch)]
        return self.send(200, {"total_count": len(runs), "workflow_runs": runs})

    def get_run(self, run):
        with LOCK:
            if run["status"] != "completed":
                run["_polls"] -= 1
                run["status"] = "in_progress"
                if run["_polls"] <= 0:
                    run["status"] = "completed"
                    run["conclusion"] = run["_conclusion"]
            out = public_run(run)
        return self.send(200, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--config", help="JSON file merged into the state at start")
    args = ap.parse_args()
    if args.config:
        with open(args.config) as f:
            STATE.update(json.load(f))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
