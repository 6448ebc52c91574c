#!/usr/bin/env python3
"""Crash torture of a whole pep101 release: see crash-torture.sh for usage.

Each trial makes the sample interpreter's repository, starts the release
(a rehearsal, or `start --execute` against local bare remotes and a loopback
server), SIGKILLs relman at random instants or inside chosen steps, resumes
until the run finishes, and compares everything the release produced with an
uninterrupted reference run pinned by SOURCE_DATE_EPOCH and signed with a
fixed key at a fixed time, so that every byte must be equal.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent.parent
EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC, for commits, tags and signatures
FAKED_TIME = "20231114T221320!"
SKIP = ["check-blockers", "check-ci"]  # they read GitHub: the network steps
# --at names and the pep101 steps they aim at.
TARGETS = {
    # Right after run_started, while the skips of --skip are being recorded.
    "start": ["<run_started>"],
    # The regenerations (exec steps declared idempotent): run again on resume.
    "regen": ["pydoc-topics", "regen-configure"],
    "bump": ["bump", "post-bump"],
    "commit": ["commit", "post-commit"],
    "tag": ["tag"],
    "export": ["export", "export-xz"],
    "sign": ["sign"],
    # 3.14 and later: the rehearsal's Sigstore stand-in restarts with relman.
    "sigstore": ["sigstore-sign"],
    "build": ["build"],
    # Finals and RCs: the docs from the tarball (Sphinx run by Doc/Makefile).
    "docs": ["docs-build"],
    "push": ["push-fork", "push-upstream"],
    "upload": ["upload"],
    "page": ["release-page", "purge-cdn"],
    "announce": ["announce"],
}
# Steps whose effect the torture can judge when relman cannot (`news` when
# its probe finds a release file it did not write; the announcement is
# checked at the channel).
DECIDABLE = ("news", "announce")
END_EVENTS = ("step_succeeded", "step_failed", "step_skipped")


def log(msg):
    print(msg, flush=True)


def sh(args, cwd=None, env=None, check=True):
    r = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s%s" % (" ".join(map(str, args)), r.returncode, r.stdout, r.stderr))
    return r


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def read_journal(state):
    """The journal's events; a torn last line (no newline) is left out."""
    path = Path(state) / "journal.jsonl"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    events = []
    lines = data.split(b"\n")
    for i, line in enumerate(lines):
        if not line:
            continue
        if i == len(lines) - 1:  # no newline after it: torn
            break
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"event": "<unreadable>", "raw": line[:200].decode("utf-8", "replace")})
    return events


def running_steps(events):
    """Steps whose last event is a start (or a checkpoint): running at the end of the journal."""
    last = {}
    for e in events:
        if "step" in e and e["event"] in ("step_started", "step_checkpoint") + END_EVENTS + ("step_reset", "step_waiting", "step_approved"):
            last[e["step"]] = e["event"]
    return sorted(s for s, ev in last.items() if ev in ("step_started", "step_checkpoint"))


def files_under(root, skip_dirs=()):
    """{relative path: sha256 or '->target' or '/'} of everything under root."""
    out = {}
    root = Path(root)
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if str(rel_dir / d) not in skip_dirs)
        for d in dirnames:
            p = Path(dirpath) / d
            if p.is_symlink():
                out[str(rel_dir / d)] = "->" + os.readlink(p)
        for f in sorted(filenames):
            p = Path(dirpath) / f
            rel = str(rel_dir / f)
            out[rel] = "->" + os.readlink(p) if p.is_symlink() else sha256(p)
    return out


def stray_names(names):
    """Names that only a crash leaves behind: temp files and locks."""
    bad = []
    for n in names:
        base = os.path.basename(n)
        if ".tmp." in base or base.startswith(".tmp") or base.endswith(".lock") or base.endswith(".partial"):
            bad.append(n)
    return bad


def bookkeeping(name):
    """relman's own records beside the release files: their bytes hold times."""
    base = os.path.basename(name)
    return base == "junit.xml" or (base.startswith(".relman-") and base.endswith(".json"))


def sigstore_release(version):
    """PEP 761: pep101 signs 3.14 and later with Sigstore, not GPG."""
    major, minor = (int(x) for x in version.split(".")[:2])
    return (major, minor) >= (3, 14)


def random_bytes(name):
    """Files whose bytes differ in every run of a 3.14+ release: Sigstore
    signs with an ephemeral key and a random ECDSA nonce, and SHA256SUMS
    lists the bundles. Their presence is compared; the stand-in's log, the
    verify step and `relman verify` vouch for their content."""
    base = os.path.basename(name)
    # The announcement's texts list every file of SHA256SUMS with its checksum.
    listings = ("SHA256SUMS", "announce.md", "blog.md", "mailing-list.txt")
    return base.endswith((".sigstore", ".sig", ".crt")) or base in listings


def built_docs(name):
    """The docs archives of a final or RC (artifacts/docs/, and their uploads):
    Sphinx's output packed by the tree's Doc/Makefile with tar, zip and epub,
    which record the build's time, as CPython's own docs archives do. Their
    presence is compared; cpython.docs' probe (every file's recorded sha256)
    vouches for a resume, check-docs for their content."""
    base = os.path.basename(name)
    return "docs" in Path(name).parts[:-1] and base.startswith("python-") and "-docs" in base


class Setup:
    """What every trial shares: the binary, the fixed signing key, the plan."""

    def __init__(self, args, root):
        self.args = args
        self.root = root
        self.relman = str(Path(args.relman).resolve())
        self.workflow = str(SOURCE / "workflows" / "pep101.yaml")
        # gpg-agent's socket path must stay short: the keyring lives in /tmp.
        self.gnupghome = tempfile.mkdtemp(prefix="rt-gpg-", dir="/tmp")
        os.chmod(self.gnupghome, 0o700)
        # A fixed time makes the ed25519 signatures (tag, .asc) byte-identical
        # across runs, so tag ids and signatures can be compared.
        Path(self.gnupghome, "gpg.conf").write_text("faked-system-time %s\n" % FAKED_TIME)
        env = dict(os.environ, GNUPGHOME=self.gnupghome)
        sh(["gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
            "Torture Release Manager <rm@minipy.example>", "ed25519", "sign", "never"], env=env)
        out = sh(["gpg", "--batch", "--with-colons", "--list-secret-keys"], env=env).stdout
        self.key = next(l.split(":")[9] for l in out.splitlines() if l.startswith("fpr:"))
        self.env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, GNUPGHOME=self.gnupghome,
                        RELMAN_HTTP_RETRY_BASE_MS="20", RELMAN_HTTP_RETRY_CAP_MS="200",
                        # The loopback stand-in's key for python.org's API (--execute).
                        PYTHON_ORG_AUTH="rm:s3cr3t-key")
        self.env.pop("RELMAN_STATE_DIR", None)
        plan_dir = root / "plan"
        repo = make_sample(plan_dir, args.version)
        plan = json.loads(sh([self.relman, "plan", args.version, "--json", "--workflow", self.workflow, "--var",
                              "project=Minipy"], cwd=repo, env=self.env).stdout)
        self.needs = {s["id"]: list(s.get("needs", [])) for s in plan["steps"]}
        self.order = [s["id"] for s in plan["steps"]]
        shutil.rmtree(plan_dir, ignore_errors=True)

    def close(self):
        subprocess.run(["gpgconf", "--homedir", self.gnupghome, "--kill", "all"], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.gnupghome, ignore_errors=True)

    def transitive_needs(self, step):
        seen, todo = set(), list(self.needs.get(step, []))
        while todo:
            s = todo.pop()
            if s not in seen:
                seen.add(s)
                todo.extend(self.needs.get(s, []))
        return seen


def make_sample(dir_, version):
    out = sh(["bash", str(SOURCE / "scripts" / "sample-repo.sh"), str(dir_), version]).stdout
    return Path(out.strip().splitlines()[-1])


class FakeServer:
    """tests/server/fake_github.py on loopback: the upload server and the webhook of an --execute run."""

    def __init__(self, log_path):
        self.err = open(log_path, "w")
        self.proc = subprocess.Popen([sys.executable, str(SOURCE / "tests" / "server" / "fake_github.py")],
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.port = int(self.proc.stdout.readline().strip())
        self.url = "http://127.0.0.1:%d" % self.port

    def get(self, what):
        import urllib.request
        with urllib.request.urlopen(self.url + "/_control/" + what, timeout=10) as r:
            return json.loads(r.read())

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.err.close()


class Trial:
    def __init__(self, setup, dir_, name):
        self.s = setup
        self.args = setup.args
        self.dir = dir_
        self.name = name
        self.sample = dir_ / "sample"
        self.repo = make_sample(self.sample, self.args.version)
        self.state = dir_ / "state"
        self.logs = dir_ / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.server = FakeServer(self.logs / "server.log") if self.args.execute else None
        self.runs = 0
        self.notes = []
        self.decisions = []
        self.human_skips = []

    # -- the commands a release manager would type -------------------------------

    def start_cmd(self):
        a = self.args
        cmd = [self.s.relman, "start" if a.execute else "rehearse", a.version]
        if a.execute:
            cmd += ["--execute", "--yes", "--repo", str(self.repo)]
        cmd += ["--workflow", self.s.workflow, "--var", "project=Minipy", "--auto-approve", "--state-dir",
                str(self.state), "--jobs", str(a.jobs), "--skip", ",".join(SKIP), "--sign-with", self.s.key]
        if a.execute:
            u = self.server.url
            # An HTTP upload stays where it lands: no SFTP move into a public folder.
            cmd += ["--var", "upload_url=%s/upload/%s/" % (u, a.version), "--var", "place_to=",
                    "--var", "announce_webhook=%s/hook/announce" % u,
                    "--var", "discourse=",
                    # python.org's API and CDN are the loopback stand-in's too.
                    "--var", "pydotorg_api=%s/api/v1/" % u, "--var", "python_org=%s" % u,
                    "--var", "docs_site=%s/docs" % u,
                    # The docs go by HTTP beside the tarballs; the docs server is SFTP only.
                    "--var", "docs_url=", "--var", "docs_staging_url=%s/upload/%s/docs/" % (u, a.version),
                    "--var", "docs_ftp_to=",
                    # The sample's commits are dated by SOURCE_DATE_EPOCH, long ago.
                    "--var", "max_repo_age_days=100000",
                    # The platform experts' installers, already in place.
                    "--var", "installers_url=%s/" % self.installers(),
                    # Skipped steps must not run: if they did, the server would see them.
                    "--var", "github_api=%s" % u]
        return cmd

    def installers(self):
        folder = self.state.parent / "installers"
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("python-%s.exe" % self.args.version, "python-%s-macos11.pkg" % self.args.version):
            (folder / name).write_bytes(b"installer")
        return folder

    def resume_cmd(self):
        cmd = [self.s.relman, "resume", "--state-dir", str(self.state), "--jobs", str(self.args.jobs)]
        return cmd + (["--yes"] if self.args.execute else [])

    def finished(self):
        return any(e.get("event") == "run_finished" for e in read_journal(self.state))

    def next_cmd(self):
        events = read_journal(self.state)
        return self.resume_cmd() if any(e.get("event") == "run_started" for e in events) else self.start_cmd()

    def spawn(self, cmd):
        self.runs += 1
        out = open(self.logs / ("run-%02d.out" % self.runs), "w")
        out.write("$ %s\n" % " ".join(cmd))
        out.flush()
        p = subprocess.Popen(cmd, cwd=self.repo, env=self.s.env, stdout=out, stderr=subprocess.STDOUT)
        return p, out

    def tail(self, n=4):
        """The last run's command, its FAILED lines and its last lines."""
        path = self.logs / ("run-%02d.out" % self.runs)
        lines = path.read_text(errors="replace").splitlines()
        keep = lines[:1] + [l for l in lines[1:-n] if l.startswith(("FAILED", "relman:", "error", "warning"))] + lines[-n:]
        return "\n".join("      | " + l[:300] for l in keep)

    def failure_class(self):
        """A name for why the run stopped, from the last step_failed."""
        failed = [e for e in read_journal(self.state) if e.get("event") == "step_failed"]
        error = failed[-1].get("error", "") if failed else ""
        if "index is locked" in error or "index.lock" in error:
            return "stale-index-lock"
        if failed and failed[-1].get("reconcile"):
            return "cannot-tell-" + failed[-1].get("step", "")
        return "resume-failed"

    def run(self, cmd):
        """Runs to the end; returns the exit code (None on a timeout)."""
        p, out = self.spawn(cmd)
        try:
            rc = p.wait(timeout=self.args.run_timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = None
        out.close()
        return rc

    def run_and_kill(self, cmd, delay=None, target=None, target_delay=None):
        """Starts cmd and SIGKILLs it after `delay` seconds, or `target_delay`
        seconds after `target` starts. Returns a dict describing the kill:
        hit (relman was running and died of it) or the exit code it had."""
        def count(events):
            if target == "<run_started>":
                return sum(1 for e in events if e.get("event") == "run_started")
            return sum(1 for e in events if e.get("event") == "step_started" and e.get("step") == target)

        before = count(read_journal(self.state))
        p, out = self.spawn(cmd)
        t0 = time.monotonic()
        info = {"cmd": cmd[1], "target": target}
        if target is None:
            time.sleep(delay)
            info["delay"] = delay
        else:
            # Watch the journal for the target's step_started; the process
            # is polled too, so a run that ends first counts as a miss.
            seen = False
            size = -1
            jpath = self.state / "journal.jsonl"
            deadline = t0 + self.args.run_timeout
            while time.monotonic() < deadline:
                if p.poll() is not None:
                    break
                try:
                    st = jpath.stat().st_size
                except FileNotFoundError:
                    st = -1
                if st != size:
                    size = st
                    if count(read_journal(self.state)) > before:
                        seen = True
                        break
                time.sleep(0.001)
            if seen:
                time.sleep(target_delay)
            info["delay"] = time.monotonic() - t0
            info["target_seen"] = seen
        if p.returncode is None:
            p.send_signal(signal.SIGKILL)  # a zombie accepts it too: the exit status below decides
        rc = p.wait()
        out.close()
        info["hit"] = rc == -signal.SIGKILL
        info["rc"] = rc
        events = read_journal(self.state)
        info["running"] = running_steps(events) if info["hit"] else []
        if target == "<run_started>":
            # Mid-way means some step skipped at start is not recorded yet.
            skipped = {e.get("step") for e in events if e.get("event") == "step_skipped"}
            info["mid_step"] = info["hit"] and not set(SKIP) <= skipped
        else:
            info["mid_step"] = target in info["running"] if target else bool(info["running"])
        info["last_event"] = (events[-1].get("event", "") + " " + events[-1].get("step", "")).strip() if events else "(no journal)"
        return info

    # -- the human decision an uncertain remote effect needs ---------------------

    def uncertain_steps(self):
        """Steps whose last event is a step_failed with reconcile: resume could not tell."""
        last = {}
        for e in read_journal(self.state):
            if "step" in e:
                last[e["step"]] = e
        return [s for s, e in last.items() if e.get("event") == "step_failed" and e.get("reconcile")]

    def decide(self, step):
        """What a release manager does when relman cannot tell whether `step`
        finished: look at the world, then retry or skip. Returns the exit
        code of that command (which goes on with the run)."""
        if step == "announce":
            sent = announcements(self.outbox()) > 0
            cmd = (["skip", "announce", "--reason", "it went out"] if sent else ["retry", "announce"])
            why = "the channel has %s" % ("it" if sent else "nothing")
        else:
            # cpython.news_release refuses to run again over a release file it
            # cannot vouch for; retrying it shows that refusal.
            cmd = ["retry", step]
            why = "its probe could not vouch for the release file"
        cmd = [self.s.relman] + cmd + ["--state-dir", str(self.state)]
        if cmd[1] == "retry":
            cmd += ["--jobs", str(self.args.jobs)] + (["--yes"] if self.args.execute else [])
        self.notes.append("relman could not tell whether %s finished; %s, so `relman %s %s`" % (step, why, cmd[1], step))
        self.decisions.append(step)
        if cmd[1] == "skip":
            self.human_skips.append(step)
        return self.run(cmd)

    # -- what the release produced -----------------------------------------------

    def worktree(self):
        return self.repo if self.args.execute else self.state / "sandbox" / "workspace"

    def remotes(self):
        if self.args.execute:
            return {n: self.sample / (n + ".git") for n in ("origin", "upstream")}
        return {n: self.state / "sandbox" / "remotes" / (n + ".git") for n in ("origin", "upstream")}

    def outbox(self):
        if self.server:
            return {"hook-%d" % i: hashlib.sha256(json.dumps(h, sort_keys=True).encode()).hexdigest()
                    for i, h in enumerate(self.server.get("hooks"))}
        return files_under(self.state / "sandbox" / "outbox")

    def uploads(self):
        if self.server:
            return {p: u["sha256"] for p, u in self.server.get("uploads").items()}
        return files_under(self.state / "sandbox" / "uploads")

    def snapshot(self):
        """Everything to compare with the reference."""
        v = self.args.version
        tag = "v" + v
        wt = self.worktree()
        git = lambda repo, *a: sh(["git", "-C", str(repo)] + list(a), env=self.s.env, check=False).stdout.strip()
        snap = {
            "sigstore": sigstore_release(v),
            "refs": {n: git(r, "for-each-ref", "--format=%(refname) %(objectname)") for n, r in self.remotes().items()},
            "tag": git(wt, "rev-parse", tag),
            "tag_commit": git(wt, "rev-parse", tag + "^{commit}"),
            "tag_tree": git(wt, "rev-parse", tag + "^{tree}"),
            "tag_files": git(wt, "ls-tree", "-r", "--name-only", tag).splitlines(),
            "worktree_status": git(wt, "status", "--porcelain", "--ignored"),
            "worktree_files": files_under(wt, skip_dirs=(".git",)),
            "git_dir_strays": stray_names(files_under(wt / ".git").keys()),
            "artifacts": files_under(self.state / "artifacts"),
            "outbox": self.outbox(),
            "uploads": self.uploads(),
        }
        # Every file of every ref on the remotes: a temp file committed after
        # the tag (the post-release commit) shows only here.
        snap["remote_strays"] = {}
        for n, r in self.remotes().items():
            for line in snap["refs"][n].splitlines():
                ref = line.split(" ")[0]
                names = git(r, "ls-tree", "-r", "--name-only", ref).splitlines()
                if stray_names(names):
                    snap["remote_strays"]["%s %s" % (n, ref)] = stray_names(names)
        r = sh(["git", "-C", str(wt), "tag", "-v", tag], env=self.s.env, check=False)
        snap["tag_verifies"] = r.returncode == 0
        snap["tarball_members"] = {}
        for name in snap["artifacts"]:
            if name.endswith((".tgz", ".tar.xz")):
                t = sh(["tar", "-tf", str(self.state / "artifacts" / name)], check=False)
                snap["tarball_members"][name] = t.stdout.splitlines()
        st = sh([self.s.relman, "status", "--json", "--state-dir", str(self.state)], env=self.s.env, check=False)
        try:
            status = json.loads(st.stdout)
            snap["status"] = {s["id"]: s["state"] for s in status["steps"]}
            snap["finished"] = status.get("finished")
        except ValueError:
            snap["status"], snap["finished"] = {"<status>": "exit %d: %s" % (st.returncode, st.stderr.strip())}, False
        vr = sh([self.s.relman, "verify", "--state-dir", str(self.state)], env=self.s.env, check=False)
        snap["verify"] = (vr.returncode, (vr.stdout + vr.stderr).strip()[-400:])
        snap["state_strays"] = stray_names(files_under(self.state, skip_dirs=("work", "sandbox/workspace")).keys())
        # The stand-in's transparency log: one entry per tarball, whatever the
        # kills (a second entry for a digest is a signature logged twice).
        log_file = self.state / "sandbox" / "sigstore" / "log.json"
        snap["sigstore_log"] = sorted(e["sha256"] for e in json.loads(log_file.read_text())) if log_file.exists() else []
        if self.server:
            snap["api_requests"] = [r["path"] for r in self.server.get("requests") if r.get("path", "").startswith("/repos/")]
        return snap

    def close(self):
        if self.server:
            self.server.close()


def journal_problems(setup, events):
    """(class, detail) for every broken promise the journal shows."""
    out = []
    seqs = [e.get("seq") for e in events]
    if seqs != list(range(1, len(events) + 1)):
        gaps = [(a, b) for a, b in zip([0] + seqs, seqs) if not isinstance(b, int) or b != a + 1]
        out.append(("journal-seq", "seq is not 1..%d without gaps: first break %s" % (len(events), gaps[:3])))
    if sum(1 for e in events if e.get("event") == "run_started") != 1:
        out.append(("journal-run-started", "%d run_started events" % sum(1 for e in events if e.get("event") == "run_started")))
    if any(e.get("event") == "<unreadable>" for e in events):
        out.append(("journal-damaged", "unreadable lines: %s" % [e["raw"] for e in events if e.get("event") == "<unreadable>"][:2]))
    # State folded in order; each start checked against what it transitively needs.
    state = {}
    succeeded = {}
    for e in events:
        ev, step = e.get("event"), e.get("step")
        if ev == "step_started":
            if step in SKIP:
                out.append(("skip-ignored", "%s was skipped at start and then started (seq %s)" % (step, e.get("seq"))))
            missing = sorted(d for d in setup.transitive_needs(step) if state.get(d) not in ("succeeded", "skipped"))
            if missing:
                out.append(("order", "%s started (seq %s) before %s finished" % (step, e.get("seq"), ", ".join(missing))))
            state[step] = "running"
        elif ev == "step_succeeded":
            state[step] = "succeeded"
            succeeded[step] = succeeded.get(step, 0) + 1
        elif ev == "step_skipped":
            state[step] = "skipped"
        elif ev == "step_failed":
            state[step] = "failed"
        elif ev == "step_reset":
            state[step] = "pending"
            succeeded[step] = 0
    for step, n in succeeded.items():
        if n > 1:
            out.append(("twice", "%s succeeded %d times without a retry" % (step, n)))
    if not events or events[-1].get("event") != "run_finished":
        out.append(("journal-end", "the journal does not end with run_finished (last: %s)" % (events[-1] if events else None)))
    return out


def compare(ref, got, human_skips=()):
    """(class, detail) for every difference from the reference and every stray
    file. A step in `human_skips` was skipped by the release manager because
    its effect was found done (`relman skip STEP --reason "it went out"`):
    skipped there is the reference's succeeded."""
    out = []
    for name in sorted(set(ref["refs"]) | set(got["refs"])):
        if ref["refs"].get(name) != got["refs"].get(name):
            out.append(("remote-refs", "remote %s: refs differ:\n        ref: %s\n        got: %s"
                        % (name, ref["refs"].get(name, "").replace("\n", "; "), got["refs"].get(name, "").replace("\n", "; "))))
    for k in ("tag", "tag_commit", "tag_tree"):
        if ref[k] != got[k]:
            out.append(("tag", "%s is %s, the reference's %s" % (k, got[k] or "(missing)", ref[k])))
    extra = sorted(set(got["tag_files"]) - set(ref["tag_files"]))
    if extra:
        out.append(("stray-in-tag", "the tag holds files the reference's does not: %s" % extra[:5]))
    for where, names in sorted(got["remote_strays"].items()):
        out.append(("stray-on-remote", "%s holds %s" % (where, names[:5])))
    if not got["tag_verifies"]:
        out.append(("tag-verify", "git tag -v fails"))
    if got["worktree_status"]:
        out.append(("stray-in-worktree", "git status in the work tree: %s" % got["worktree_status"].replace("\n", "; ")[:300]))
    wt_extra = sorted(set(got["worktree_files"]) - set(ref["worktree_files"]))
    wt_diff = sorted(k for k in set(got["worktree_files"]) & set(ref["worktree_files"]) if got["worktree_files"][k] != ref["worktree_files"][k])
    wt_missing = sorted(set(ref["worktree_files"]) - set(got["worktree_files"]))
    if wt_extra or wt_diff or wt_missing:
        out.append(("worktree", "work tree differs: extra %s, changed %s, missing %s" % (wt_extra[:5], wt_diff[:5], wt_missing[:5])))
    if got["git_dir_strays"]:
        out.append(("stray-in-git-dir", "left in $GIT_DIR: %s" % got["git_dir_strays"][:5]))
    signed = ref.get("sigstore", False)
    for what in ("artifacts", "uploads"):
        r, g = ref[what], got[what]
        extra = sorted(set(g) - set(r))
        missing = sorted(set(r) - set(g))
        diff = sorted(k for k in set(r) & set(g)
                      if r[k] != g[k] and not bookkeeping(k) and not (signed and random_bytes(k))
                      and not built_docs(k))
        if extra or missing or diff:
            out.append((what, "%s differ from the reference: extra %s, missing %s, different bytes %s" % (what, extra[:6], missing[:6], diff[:6])))
    for name, members in got["tarball_members"].items():
        bad = stray_names(members)
        if bad:
            out.append(("stray-in-tarball", "%s holds %s" % (name, bad[:5])))
    # The outbox also holds what the release page and the CDN purge would
    # send: each once, as the reference; and exactly one announcement.
    # With Sigstore the messages list the bundles' checksums: compare names.
    same_messages = (sorted(got["outbox"]) == sorted(ref["outbox"])) if signed else got["outbox"] == ref["outbox"]
    if got.get("sigstore_log", []) != ref.get("sigstore_log", []):
        out.append(("sigstore-log", "the Sigstore stand-in logged %s, the reference %s"
                    % (got.get("sigstore_log"), ref.get("sigstore_log"))))
    if announcements(got["outbox"]) != 1 or not same_messages:
        out.append(("message", "%d announcement(s), %d message(s) in all (%s); the reference had %d"
                    % (announcements(got["outbox"]), len(got["outbox"]), ", ".join(sorted(got["outbox"])),
                       len(ref["outbox"]))))
    status = {k: ("succeeded" if k in human_skips and v == "skipped" else v) for k, v in got["status"].items()}
    if status != ref["status"] or not got["finished"]:
        diff = {k: status.get(k) for k in set(ref["status"]) | set(status) if status.get(k) != ref["status"].get(k)}
        out.append(("status", "relman status differs from the reference (finished %s): %s" % (got["finished"], diff)))
    if got["verify"][0] != 0:
        out.append(("verify", "relman verify exits %d: %s" % got["verify"]))
    if got["state_strays"]:
        out.append(("stray-in-state", "temp files left in the state directory: %s" % got["state_strays"][:6]))
    if got.get("api_requests"):
        out.append(("skip-ignored", "the GitHub stand-in was called: %s" % got["api_requests"][:3]))
    return out


def announcements(outbox):
    """The announcements among the messages: the outbox's announce-N.json of
    a rehearsal, or the webhook's posts of an --execute run."""
    return sum(1 for name in outbox if name.startswith(("announce-", "hook-")))


def human_decision(trial, rc, problems):
    """After an exit 1 that asks a human (relman could not tell whether a step
    finished), decides as a release manager would, when the torture can
    judge the step. Returns the exit code of the command that went on, or
    None when there was nothing to decide."""
    uncertain = trial.uncertain_steps()
    if rc != 1 or not uncertain or any(s not in DECIDABLE for s in uncertain):
        return None
    if "announce" in uncertain:
        # A plain resume must stop again without sending it a second time.
        before = announcements(trial.outbox())
        again = trial.run(trial.resume_cmd())
        if announcements(trial.outbox()) != before:
            problems.append(("message", "a plain `relman resume` after an uncertain announcement sent it again"))
        if again == 0:
            problems.append(("message", "a plain `relman resume` after an uncertain announcement went on (exit 0)"))
            return 0
    rc = None
    for step in uncertain:
        rc = trial.decide(step)
    return rc


def finish(trial, problems):
    """Resumes until the run finishes (or clearly will not); records why not."""
    for _ in range(8):
        cmd = trial.next_cmd()
        rc = trial.run(cmd)
        while rc not in (0, None):
            decided = human_decision(trial, rc, problems)
            if decided is None:
                break
            rc = decided
        if rc == 0 and trial.human_skips and not trial.finished():
            continue  # `relman skip` records the decision; a resume runs what other steps still owe
        if rc == 0:
            return True
        if rc is None:
            problems.append(("hang", "`relman %s` did not end within %d s" % (cmd[1], trial.args.run_timeout)))
            return False
        uncertain = trial.uncertain_steps()
        what = "`relman %s` exited %s" % (cmd[1], rc)
        if uncertain:
            what += " and cannot tell whether %s finished" % ", ".join(uncertain)
        problems.append((trial.failure_class(), what + ":\n" + trial.tail()))
        return False
    problems.append(("resume-failed", "the run did not finish after 8 resumes"))
    return False


def run_trial(setup, ref, index, seed, target_names):
    args = setup.args
    rng = random.Random("%s:%d" % (seed, index))
    dir_ = setup.root / ("trial-%03d" % index)
    trial = Trial(setup, dir_, "trial %d" % index)
    kills = []
    problems = []
    try:
        n_kills = rng.randint(1, args.kills)
        target = None
        if target_names:
            group = target_names[index % len(target_names)]
            target = rng.choice(TARGETS[group])
        for k in range(n_kills):
            cmd = trial.next_cmd()
            if k == 0 and target:
                d = rng.uniform(0, max(ref["durations"].get(target, 0.002), 0.002))
                info = trial.run_and_kill(cmd, target=target, target_delay=d)
            else:
                # The first kill anywhere in the run; later ones in the
                # shorter resumes.
                window = ref["seconds"] * (0.7 if k == 0 else 0.4)
                info = trial.run_and_kill(cmd, delay=rng.uniform(0.0, window))
            kills.append(info)
            if not info["hit"]:
                rc = info["rc"]
                while rc not in (0, None):
                    decided = human_decision(trial, rc, problems)
                    if decided is None:
                        break
                    rc = decided
                if rc != 0:
                    problems.append((trial.failure_class(), "`relman %s` exited %s on its own before the kill:\n%s"
                                     % (info["cmd"], info["rc"], trial.tail())))
                break
        if not problems:
            finish(trial, problems)
        hits = [k for k in kills if k["hit"]]
        if hits and not any(c == "hang" for c, _ in problems):
            stopped = any(c in ("resume-failed", "stale-index-lock") or c.startswith("cannot-tell-") for c, _ in problems)
            events = read_journal(trial.state)
            # A run that stopped is not compared: its unfinished state would only repeat why it stopped.
            problems += [p for p in journal_problems(setup, events) if not (stopped and p[0] == "journal-end")]
            if not stopped:
                problems += compare(ref["snapshot"], trial.snapshot(), trial.human_skips)
        return trial, kills, problems
    finally:
        trial.close()


def describe_kill(k):
    if not k["hit"]:
        return "missed (relman %s had exited %s after %.2f s)" % (k["cmd"], k["rc"], k["delay"])
    where = ", ".join(k["running"]) if k["running"] else "between steps (last: %s)" % k["last_event"]
    s = "%s killed at %.2f s during %s" % (k["cmd"], k["delay"], where)
    if k["target"] == "<run_started>":
        s += " [aimed at run_started: %s]" % ("before every --skip was recorded" if k["mid_step"] else
                                              ("after the skips were recorded" if k["target_seen"] else "it never came"))
    elif k["target"]:
        s += " [aimed at %s: %s]" % (k["target"], "mid-step" if k["mid_step"] else
                                      ("after it ended" if k["target_seen"] else "it never started"))
    return s


def reference(setup):
    """Two uninterrupted runs: the reference, and proof that it is reproducible."""
    runs = []
    for i in (1, 2):
        t = Trial(setup, setup.root / ("reference-%d" % i), "reference %d" % i)
        try:
            t0 = time.monotonic()
            rc = t.run(t.start_cmd())
            seconds = time.monotonic() - t0
            if rc != 0:
                raise SystemExit("torture: the uninterrupted reference run failed (exit %s); nothing to compare with:\n%s"
                                 % (rc, t.tail(30)))
            events = read_journal(t.state)
            problems = journal_problems(setup, events)
            snap = t.snapshot()
            started = {}
            durations = {}
            for e in events:
                if e.get("event") == "step_started":
                    started[e["step"]] = e["t_ms"]
                elif e.get("event") in END_EVENTS and e.get("step") in started:
                    durations[e["step"]] = (e["t_ms"] - started[e["step"]]) / 1000.0
            runs.append({"seconds": seconds, "snapshot": snap, "durations": durations, "problems": problems, "trial": t})
        finally:
            t.close()
    ref = runs[0]
    snap = ref["snapshot"]
    made = {"a tag": bool(snap["tag"]), "uploads": bool(snap["uploads"]), "one announcement": announcements(snap["outbox"]) == 1,
            "tarballs": len(snap["tarball_members"]) == 2, "refs on both remotes": all(snap["refs"].values())}
    if not all(made.values()):
        raise SystemExit("torture: the reference run did not make %s; check the setup"
                         % ", ".join(k for k, v in made.items() if not v))
    diffs = compare(ref["snapshot"], runs[1]["snapshot"]) + ref["problems"]
    own = [("stray-in-tarball", n) for n, m in ref["snapshot"]["tarball_members"].items() if stray_names(m)]
    if diffs or own:
        for c, d in diffs + own:
            log("  reference: %s: %s" % (c, d))
        raise SystemExit("torture: two uninterrupted runs differ or break a promise; the comparison would be meaningless")
    ref["seconds"] = min(r["seconds"] for r in runs)
    ref["durations"] = {k: min(r["durations"].get(k, 0) for r in runs) for k in ref["durations"]}
    for r in runs:
        if not setup.args.keep:
            shutil.rmtree(r["trial"].dir, ignore_errors=True)
    return ref


def main():
    p = argparse.ArgumentParser(prog="crash-torture.sh", description=__doc__.split("\n\n")[0])
    p.add_argument("relman_pos", nargs="?", metavar="RELMAN", help="the relman binary (default build/relman)")
    p.add_argument("--relman", help="the relman binary (default build/relman)")
    p.add_argument("--trials", type=int, default=int(os.environ.get("RELMAN_TORTURE_TRIALS", "20")))
    p.add_argument("--seed", type=int, default=None, help="reproduce a run (printed at the start)")
    p.add_argument("--trial", type=int, default=None, help="run only this trial of --seed")
    p.add_argument("--at", default="random",
                   help="random (default), all, or a comma list of: " + ", ".join(TARGETS))
    p.add_argument("--kills", type=int, default=None, help="at most this many kills per trial (default 3; 1 with --at)")
    p.add_argument("--execute", action="store_true", help="start --execute against local bare remotes and a loopback server")
    p.add_argument("--version", default="3.12.0", help="the release (default 3.12.0)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--workdir", help="where trials live (default: a new directory under /tmp)")
    p.add_argument("--keep", action="store_true", help="keep the directories of passing trials too")
    p.add_argument("--run-timeout", type=int, default=600, help="seconds one relman command may take")
    args = p.parse_args()
    args.relman = args.relman or args.relman_pos or str(SOURCE / "build" / "relman")
    if not os.access(args.relman, os.X_OK):
        p.error("no relman binary at %s: build it first (cmake --build build) or pass --relman PATH" % args.relman)
    if args.execute and sigstore_release(args.version):
        p.error("--execute of %s would sign on a real Sigstore instance; torture a 3.14+ release as a rehearsal "
                "(its Sigstore stand-in), or --execute a 3.13 or older one" % args.version)
    if args.at == "random":
        target_names = []
    elif args.at == "all":
        # Only the signing this release does: GPG before 3.14, Sigstore after.
        skip = "sign" if sigstore_release(args.version) else "sigstore"
        target_names = [t for t in TARGETS if t != skip]
    else:
        target_names = [t for t in args.at.split(",") if t]
        unknown = [t for t in target_names if t not in TARGETS]
        if unknown:
            p.error("--at: unknown step(s) %s; use random, all, or %s" % (", ".join(unknown), ", ".join(TARGETS)))
    if args.kills is None:
        args.kills = 1 if target_names else 3
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**9)
    root = Path(args.workdir or tempfile.mkdtemp(prefix="relman-torture-", dir="/tmp")).resolve()
    root.mkdir(parents=True, exist_ok=True)
    mode = "start --execute" if args.execute else "rehearse"
    log("torture: seed %d, %s %s of pep101 with --jobs %d, kills %s, in %s"
        % (seed, mode, args.version, args.jobs, "at " + ",".join(target_names) if target_names else "at random instants", root))
    repro = "tests/torture/crash-torture.sh --seed %d%s%s" % (
        seed, " --execute" if args.execute else "", " --at " + args.at if target_names else "")

    setup = Setup(args, root)
    passed, failed, missed = 0, 0, 0
    by_class = {}
    hits = mid = total_kills = 0
    during = {}
    decisions = {}
    try:
        ref = reference(setup)
        log("torture: reference run %.1f s (two uninterrupted runs, byte-identical)" % ref["seconds"])
        indices = [args.trial] if args.trial is not None else range(1, args.trials + 1)
        for i in indices:
            trial, kills, problems = run_trial(setup, ref, i, seed, target_names)
            total_kills += len(kills)
            hits += sum(1 for k in kills if k["hit"])
            mid += sum(1 for k in kills if k["hit"] and k["mid_step"])
            for k in kills:
                for step in k["running"] or (["(between steps)"] if k["hit"] else []):
                    during[step] = during.get(step, 0) + 1
            for step in trial.decisions:
                decisions[step] = decisions.get(step, 0) + 1
            head = "trial %d: " % i + "; ".join(describe_kill(k) for k in kills)
            for n in trial.notes:
                head += "\n    note: " + n
            if not any(k["hit"] for k in kills) and not problems:
                missed += 1
                log(head + "\n    MISSED: no kill hit a running relman; not counted as a pass")
                shutil.rmtree(trial.dir, ignore_errors=True) if not args.keep else None
                continue
            if problems:
                failed += 1
                classes = sorted(set(c for c, _ in problems))
                for c in classes:
                    by_class.setdefault(c, []).append(i)
                log(head + "\n    FAIL (%s), kept in %s, reproduce: %s --trial %d" % (", ".join(classes), trial.dir, repro, i))
                for c, d in problems:
                    log("    - %s: %s" % (c, d))
            else:
                passed += 1
                log(head + "\n    pass")
                if not args.keep:
                    shutil.rmtree(trial.dir, ignore_errors=True)
    finally:
        setup.close()
    log("torture: seed %d: %d kills, %d hit a running relman (%d while a step ran), %d missed"
        % (seed, total_kills, hits, mid, total_kills - hits))
    if during:
        log("torture: steps running at the kills: %s" % ", ".join("%s %d" % kv for kv in sorted(during.items())))
    if decisions:
        log("torture: relman could not tell and asked a human (answered by the torture): %s"
            % ", ".join("%s %d" % kv for kv in sorted(decisions.items())))
    for c in sorted(by_class):
        log("torture: failure class %-18s trials %s" % (c, ", ".join(map(str, by_class[c]))))
    if missed:
        log("torture: %d trial(s) missed: relman finished before every kill, so they prove nothing" % missed)
    log("torture: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
