"""python.org's downloads API (/api/v1/downloads/, Tastypie) for fake_github.py.

Serves release, release_file and os as add_to_pydotorg.py uses them: list
with filters (?name=, ?slug=, ?release=, ?limit=, paged with meta.next),
POST (201 + Location), PUT/PATCH on /ID/ (204), DELETE. Every request must
carry "Authorization: ApiKey <pydotorg_auth>" (401 otherwise) and a POST/PUT
a JSON body of the shape python.org takes (400 naming the field otherwise);
a slug already taken is a 400 too, as the unique column refuses it.

State keys (in fake_github's STATE):
  pydotorg_auth:      "user:key" (default "rm:s3cr3t-key")
  pydotorg_page_size: objects per page whatever ?limit= says (default: all)
  pydotorg_faults:    [{"type": "release"|"release_file", "action": "cut"|"hang",
                        "seconds": N, "times": 1}]: applied to a POST after the
                      object is stored: "cut" drops the connection unanswered,
                      "hang" waits N seconds before answering.
GET /_control/pydotorg returns {"release": [...], "release_file": [...]}.
"""

import json
import re
import threading
import time

LOCK = threading.Lock()
OS = [
    {"id": 1, "name": "Windows", "slug": "windows"},
    {"id": 2, "name": "macOS", "slug": "macos"},
    {"id": 3, "name": "Source release", "slug": "source"},
    {"id": 4, "name": "Android", "slug": "android"},
    {"id": 5, "name": "iOS", "slug": "ios"},
]
OBJECTS = {"release": {}, "release_file": {}}
NEXT_ID = [100]
PREFIX = "/api/v1/downloads/"

BOOL, INT, STR, OPT_STR = bool, int, str, (str, type(None))
RELEASE_FIELDS = {
    "name": STR, "slug": STR, "version": INT, "is_published": BOOL, "pre_release": BOOL,
    "show_on_download_page": BOOL, "release_notes_url": STR, "release_page": OPT_STR,
}
FILE_FIELDS = {
    "name": STR, "slug": STR, "os": STR, "release": STR, "description": STR, "is_source": BOOL,
    "url": STR, "sha256_sum": STR, "md5_sum": STR, "filesize": INT, "download_button": BOOL,
}
FILE_URL_FIELDS = ["gpg_signature_file", "sigstore_signature_file", "sigstore_cert_file",
                   "sigstore_bundle_file", "sbom_spdx2_file"]


def uri(kind, pk):
    return "%s%s/%d/" % (PREFIX, kind, pk)


def problems(kind, data):
    """What python.org would refuse in this body ([] when it takes it)."""
    if not isinstance(data, dict):
        return ["the body is not a JSON object"]
    fields = RELEASE_FIELDS if kind == "release" else FILE_FIELDS
    out = []
    for name, typ in fields.items():
        if name not in data:
            out.append("missing %s" % name)
        elif not isinstance(data[name], typ) or (typ is INT and isinstance(data[name], bool)):
            out.append("%s has the wrong type" % name)
    known = set(fields) | (set(FILE_URL_FIELDS) if kind == "release_file" else set())
    out += ["unknown field %s" % k for k in data if k not in known and k != "resource_uri"]
    if out:
        return out
    if kind == "release":
        if data["slug"] != re.sub(r"[^a-z0-9-]", "", data["name"].lower().replace(" ", "-")):
            out.append("slug %s is not the slug of %s" % (data["slug"], data["name"]))
    else:
        if not re.fullmatch(r"[0-9a-f]{64}", data["sha256_sum"]):
            out.append("sha256_sum is not a SHA-256")
        if not re.fullmatch(r"[0-9a-f]{32}", data["md5_sum"]):
            out.append("md5_sum is not an MD5")
        if data["os"] not in [uri("os", o["id"]) for o in OS]:
            out.append("os %s does not exist" % data["os"])
        if not any(r["resource_uri"] == data["release"] for r in OBJECTS["release"].values()):
            out.append("release %s does not exist" % data["release"])
        for f in ["url"] + [f for f in FILE_URL_FIELDS if f in data]:
            if not str(data[f]).startswith(("http://", "https://")):
                out.append("%s is not a URL" % f)
    return out


def listing(handler, kind, query, state):
    if kind == "os":
        objs = [dict(o, resource_uri=uri("os", o["id"])) for o in OS]
    else:
        objs = [dict(o) for _, o in sorted(OBJECTS[kind].items())]
    for key, values in query.items():
        if key in ("limit", "offset", "format"):
            continue
        value = values[0]
        if key == "release":
            objs = [o for o in objs if o.get("release") == uri("release", int(value))]
        else:
            objs = [o for o in objs if str(o.get(key)) == value]
    offset = int(query.get("offset", ["0"])[0])
    limit = int(query.get("limit", ["20"])[0])
    if state.get("pydotorg_page_size"):
        limit = state["pydotorg_page_size"]
    page = objs[offset:] if limit == 0 else objs[offset:offset + limit]
    nxt = None
    if limit and offset + limit < len(objs):
        nxt = "%s%s/?%s" % (PREFIX, kind, "&".join(
            ["%s=%s" % (k, v[0]) for k, v in query.items() if k not in ("offset", "limit")] +
            ["limit=%d" % limit, "offset=%d" % (offset + limit)]))
    return handler.send(200, {"meta": {"limit": limit, "offset": offset, "next": nxt, "total_count": len(objs)},
                              "objects": page})


def take_fault(state, kind):
    with LOCK:
        for f in state.get("pydotorg_faults", []):
            if f.get("type") == kind and f.get("times", 1) != 0:
                if f.get("times", 1) > 0:
                    f["times"] = f.get("times", 1) - 1
                return dict(f)
    return None


def handle(handler, path, query, state):
    if handler.headers.get("Authorization") != "ApiKey " + state.get("pydotorg_auth", "rm:s3cr3t-key"):
        return handler.send(401, {"error": "Unauthorized"})
    rest = path[len(PREFIX):].strip("/").split("/")
    kind = rest[0]
    if kind not in ("release", "release_file", "os"):
        return handler.send(404, {"error": "no such resource"})
    method = handler.command
    if len(rest) == 1 and method == "GET":
        return listing(handler, kind, query, state)
    if kind == "os":
        return handler.send(405, {"error": "read only"})
    if method in ("POST", "PUT", "PATCH"):
        if handler.headers.get("Content-Type") != "application/json":
            return handler.send(415, {"error": "send application/json"})
        try:
            data = json.loads(handler.body() or b"null")
        except ValueError:
            return handler.send(400, {"error": "not JSON"})
    if len(rest) == 1 and method == "POST":
        with LOCK:
            bad = problems(kind, data)
            if not bad and any(o["slug"] == data["slug"] for o in OBJECTS[kind].values()):
                bad = ["slug %s is taken" % data["slug"]]
            if bad:
                return handler.send(400, {"error_message": "; ".join(bad)})
            NEXT_ID[0] += 1
            pk = NEXT_ID[0]
            OBJECTS[kind][pk] = dict(data, id=pk, resource_uri=uri(kind, pk))
        fault = take_fault(state, kind)
        if fault and fault.get("action") == "cut":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return None
        if fault and fault.get("action") == "hang":
            time.sleep(fault.get("seconds", 30))
        return handler.send(201, b"", headers={"Location": handler.base() + uri(kind, pk)})
    if len(rest) == 2:
        pk = int(rest[1])
        with LOCK:
            obj = OBJECTS[kind].get(pk)
            if obj is None:
                return handler.send(404, {"error": "no such object"})
            if method == "GET":
                return handler.send(200, obj)
            if method == "DELETE":
                del OBJECTS[kind][pk]
                return handler.send(204, b"")
            merged = dict(obj, **data) if method == "PATCH" else dict(data)
            bad = problems(kind, {k: v for k, v in merged.items() if k not in ("id",)})
            if bad:
                return handler.send(400, {"error_message": "; ".join(bad)})
            OBJECTS[kind][pk] = dict(merged, id=pk, resource_uri=uri(kind, pk))
            return handler.send(204, b"")
    return handler.send(405, {"error": "method not allowed"})


def dump():
    with LOCK:
        return {k: [v for _, v in sorted(objs.items())] for k, objs in OBJECTS.items()}
