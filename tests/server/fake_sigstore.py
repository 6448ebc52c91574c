#!/usr/bin/env python3
"""A loopback stand-in for Sigstore's Fulcio (v2) and Rekor (v1).

Listens on 127.0.0.1 (port 0 unless --port), writes the instance's trust
root as a Sigstore trusted_root.json to --trusted-root (when given), prints
the port on the first line of stdout, and serves until killed.

Fulcio  POST /api/v2/signingCert
        {"credentials": {"oidcIdentityToken": JWT},
         "publicKeyRequest": {"publicKey": {"algorithm": "ECDSA", "content": PEM},
                              "proofOfPossession": base64(ECDSA-SHA256(subject))}}
        -> {"signedCertificateEmbeddedSct": {"chain": {"certificates": [leaf PEM, CA PEM]}}}
        The JWT's signature is not checked (tests use unsigned tokens); its
        `iss` and `email` (else `sub`) make the certificate: the identity as
        SAN (rfc822Name, or URI when it has "://"), the issuer in the Fulcio
        extensions 1.3.6.1.4.1.57264.1.1 (raw) and .1.8 (UTF8String), code
        signing EKU, 10 minutes validity. No SCT is embedded (the trust root
        lists no CT log).
Rekor   POST /api/v1/log/entries (hashedrekord 0.0.1), 201 with
        {uuid: {body, integratedTime, logID, logIndex,
                verification: {signedEntryTimestamp, inclusionProof}}};
        409 with Location when the same entry is logged again.
        POST /api/v1/index/retrieve {"hash": "sha256:HEX"} -> [uuid, ...]
        GET  /api/v1/log/entries/UUID
        The log is a real RFC 6962 Merkle tree; each inclusion proof is for
        the tree as it is when served, with a signed checkpoint.

Control: POST /_control/config merges a JSON object into the state:
  cert_validity:   [start, end] seconds from now (default [0, 600])
  time_offset:     seconds added to Rekor's integratedTime (default 0)
  faults:          [{"path": prefix, "times": N, "action": "status"|"drop",
                     "status": 500}]; "drop" logs the entry (Rekor) and
                   closes the connection without an answer.
  ambient:         {"bearer": B, "token": T}: GET /_oidc/token?audience=sigstore
                   with "Authorization: bearer B" answers {"value": T}, as
                   GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL does.
GET /_control/requests, GET /_control/entries (the log's entries, decoded).
"""

import argparse
import base64
import datetime
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOCK = threading.Lock()
STATE = {"cert_validity": [0, 600], "time_offset": 0, "faults": []}
REQUESTS = []
ENTRIES = []  # dicts: uuid, body (bytes), integratedTime, logIndex, set, sha256

CA_KEY = ec.generate_private_key(ec.SECP256R1())
REKOR_KEY = ec.generate_private_key(ec.SECP256R1())
REKOR_DER = REKOR_KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
LOG_ID = hashlib.sha256(REKOR_DER).digest()
# Set in main(): like rekor.sigstore.dev's, the checkpoint's origin starts with
# the log's host, and verifiers (sigstore-js) match the signer's name to it.
ORIGIN = ["127.0.0.1 - 1"]
ISSUER_OID_V1 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
ISSUER_OID_V2 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")


def b64(data):
    return base64.b64encode(data).decode()


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def make_ca():
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "relman test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "fake-fulcio")])
    now = utcnow()
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(CA_KEY.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(CA_KEY.public_key()), critical=False)
            .sign(CA_KEY, hashes.SHA256()))


CA_CERT = make_ca()


def trusted_root(base):
    start = (utcnow() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{
            "baseUrl": base,
            "hashAlgorithm": "SHA2_256",
            "publicKey": {"rawBytes": b64(REKOR_DER), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                          "validFor": {"start": start}},
            "logId": {"keyId": b64(LOG_ID)},
        }],
        "certificateAuthorities": [{
            "subject": {"organization": "relman test", "commonName": "fake-fulcio"},
            "uri": base,
            "certChain": {"certificates": [{"rawBytes": b64(CA_CERT.public_bytes(serialization.Encoding.DER))}]},
            "validFor": {"start": start},
        }],
        "ctlogs": [],
        "timestampAuthorities": [],
    }


def jwt_claims(token):
    parts = token.split(".")
    if len(parts) < 2:
        raise ValueError("not a JWT")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


# -- RFC 6962 Merkle tree ------------------------------------------------------

def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_pow2_below(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = largest_pow2_below(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def audit_path(m, leaves):
    if len(leaves) == 1:
        return []
    k = largest_pow2_below(len(leaves))
    if m < k:
        return audit_path(m, leaves[:k]) + [mth(leaves[k:])]
    return audit_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def checkpoint(size, root):
    note = "%s\n%d\n%s\n" % (ORIGIN[0], size, b64(root))
    sig = REKOR_KEY.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
    return note + "\n\u2014 %s %s\n" % (ORIGIN[0].split(" ")[0], b64(LOG_ID[:4] + sig))


def entry_json(e):
    leaves = [leaf_hash(x["body"]) for x in ENTRIES]
    size = len(leaves)
    root = mth(leaves)
    proof = {
        "logIndex": e["logIndex"],
        "rootHash": root.hex(),
        "treeSize": size,
        "hashes": [h.hex() for h in audit_path(e["logIndex"], leaves)],
        "checkpoint": checkpoint(size, root),
    }
    return {e["uuid"]: {
        "body": b64(e["body"]),
        "integratedTime": e["integratedTime"],
        "logID": LOG_ID.hex(),
        "logIndex": e["logIndex"],
        "verification": {"signedEntryTimestamp": e["set"], "inclusionProof": proof},
    }}


class Problem(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def issue_certificate(req):
    token = req["credentials"]["oidcIdentityToken"]
    try:
        claims = jwt_claims(token)
    except Exception as e:  # noqa: BLE001 - any unreadable token is a 401
        raise Problem(401, "unreadable identity token: %s" % e)
    issuer = claims.get("iss")
    # A federating provider (Sigstore's Dex) names the upstream issuer, and
    # Fulcio certifies that one, as the real Fulcio does.
    federated = claims.get("federated_claims")
    if isinstance(federated, dict) and federated.get("connector_id"):
        issuer = federated["connector_id"]
    subject = claims.get("email") or claims.get("sub")
    if not issuer or not subject:
        raise Problem(401, "the token has no iss or no email/sub")
    pkr = req["publicKeyRequest"]
    pub = serialization.load_pem_public_key(pkr["publicKey"]["content"].encode())
    try:
        pub.verify(base64.b64decode(pkr["proofOfPossession"]), subject.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Problem(400, "the proof of possession does not verify over the token's subject")
    san = (x509.UniformResourceIdentifier(subject) if "://" in subject else x509.RFC822Name(subject))
    now = utcnow()
    start, end = STATE["cert_validity"]
    der_issuer = b"\x0c" + bytes([len(issuer.encode())]) + issuer.encode()  # short UTF8String
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([]))
            .issuer_name(CA_CERT.subject).public_key(pub).serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(seconds=start))
            .not_valid_after(now + datetime.timedelta(seconds=end))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .add_extension(x509.SubjectAlternativeName([san]), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(CA_KEY.public_key()),
                           critical=False)
            .add_extension(x509.UnrecognizedExtension(ISSUER_OID_V1, issuer.encode()), critical=False)
            .add_extension(x509.UnrecognizedExtension(ISSUER_OID_V2, der_issuer), critical=False)
            .sign(CA_KEY, hashes.SHA256()))
    pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in (leaf, CA_CERT)]
    return {"signedCertificateEmbeddedSct": {"chain": {"certificates": pems}}}


def add_entry(req):
    if req.get("kind") != "hashedrekord" or req.get("apiVersion") != "0.0.1":
        raise Problem(400, "only hashedrekord 0.0.1 entries are accepted")
    spec = req["spec"]
    digest_hex = spec["data"]["hash"]["value"].lower()
    if spec["data"]["hash"].get("algorithm") != "sha256" or len(digest_hex) != 64:
        raise Problem(400, "the hash must be sha256")
    cert = x509.load_pem_x509_certificate(base64.b64decode(spec["signature"]["publicKey"]["content"]))
    try:
        cert.public_key().verify(base64.b64decode(spec["signature"]["content"]), bytes.fromhex(digest_hex),
                                 ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        raise Problem(400, "the signature does not verify over the hash with the certificate's key")
    body = canonical({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "data": {"hash": {"algorithm": "sha256", "value": digest_hex}},
        "signature": {"content": spec["signature"]["content"],
                      "publicKey": {"content": spec["signature"]["publicKey"]["content"]}}}})
    uuid = leaf_hash(body).hex()
    for e in ENTRIES:
        if e["uuid"] == uuid:
            return 409, e
    e = {"uuid": uuid, "body": body, "integratedTime": int(time.time()) + STATE["time_offset"],
         "logIndex": len(ENTRIES), "sha256": digest_hex}
    payload = canonical({"body": b64(body), "integratedTime": e["integratedTime"],
                         "logID": LOG_ID.hex(), "logIndex": e["logIndex"]})
    e["set"] = b64(REKOR_KEY.sign(payload, ec.ECDSA(hashes.SHA256())))
    ENTRIES.append(e)
    return 201, e


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def fault(self):
        for f in STATE["faults"]:
            if self.path.startswith(f.get("path", "")) and f.get("times", 1) != 0:
                if f.get("times", 1) > 0:
                    f["times"] = f.get("times", 1) - 1
                return f
        return None

    def do_GET(self):
        with LOCK:
            REQUESTS.append({"method": "GET", "path": self.path})
            if self.path == "/_control/requests":
                return self.reply(200, REQUESTS)
            if self.path == "/_control/entries":
                return self.reply(200, [dict(json.loads(e["body"]), uuid=e["uuid"]) for e in ENTRIES])
            if self.path == "/_control/trusted_root":
                return self.reply(200, trusted_root(self.base()))
            if self.path.startswith("/_oidc/token"):
                amb = STATE.get("ambient") or {}
                if self.headers.get("Authorization", "").lower() != "bearer " + str(amb.get("bearer", "")).lower():
                    return self.reply(401, {"message": "bad request token"})
                if "audience=sigstore" not in self.path:
                    return self.reply(400, {"message": "audience must be sigstore"})
                return self.reply(200, {"count": 1, "value": amb.get("token", "")})
            if self.path.startswith("/api/v1/log/entries/"):
                uuid = self.path.rsplit("/", 1)[1]
                for e in ENTRIES:
                    if e["uuid"] == uuid:
                        return self.reply(200, entry_json(e))
                return self.reply(404, {"code": 404, "message": "no entry " + uuid})
            self.reply(404, {"message": "not found"})

    def base(self):
        return "http://%s:%d" % self.server.server_address[:2]

    def do_POST(self):
        raw = self.body()
        with LOCK:
            REQUESTS.append({"method": "POST", "path": self.path})
            if self.path == "/_control/config":
                STATE.update(json.loads(raw))
                return self.reply(200, STATE)
            f = self.fault()
            if f and f.get("action", "status") == "status":
                return self.reply(f.get("status", 500), {"code": f.get("status", 500), "message": "fault"})
            try:
                req = json.loads(raw)
                if self.path == "/api/v2/signingCert":
                    return self.reply(201, issue_certificate(req))
                if self.path == "/api/v1/log/entries":
                    status, e = add_entry(req)
                    if f and f.get("action") == "drop":
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return None
                    if status == 409:
                        return self.reply(409, {"code": 409, "message": "an equivalent entry already exists"},
                                          {"Location": "/api/v1/log/entries/" + e["uuid"]})
                    return self.reply(201, entry_json(e), {"Location": "/api/v1/log/entries/" + e["uuid"]})
                if self.path == "/api/v1/index/retrieve":
                    h = req.get("hash", "")
                    h = h.split(":", 1)[1] if ":" in h else h
                    return self.reply(200, [e["uuid"] for e in ENTRIES if e["sha256"] == h.lower()])
            except Problem as p:
                return self.reply(p.status, {"code": p.status, "message": str(p)})
            except (KeyError, TypeError, ValueError) as e:
                return self.reply(400, {"code": 400, "message": "bad request: %r" % (e,)})
            self.reply(404, {"message": "not found"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--trusted-root")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    ORIGIN[0] = "127.0.0.1:%d - 1" % srv.server_address[1]
    if args.trusted_root:
        with open(args.trusted_root + ".tmp", "w") as f:
            json.dump(trusted_root(base), f, indent=2)
        import os
        os.rename(args.trusted_root + ".tmp", args.trusted_root)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
