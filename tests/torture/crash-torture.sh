#!/usr/bin/env bash
# crash-torture.sh [RELMAN] [--trials N] [--seed S [--trial I]] [--at random|all|STEP,...]
#                  [--kills K] [--execute] [--version V] [--jobs J] [--workdir DIR] [--keep]
#
# Crash torture of a whole release. Builds nothing: RELMAN is the relman
# binary (default build/relman). For each trial it makes the sample
# interpreter's repository (scripts/sample-repo.sh), releases it with
# workflows/pep101.yaml (--jobs 2, check-blockers and check-ci skipped, pinned
# by SOURCE_DATE_EPOCH, signed with a fixed key at a fixed time), SIGKILLs
# relman at random instants (or, with --at, inside the chosen steps: regen, bump,
# commit, tag, export, sign, sigstore, build, docs, push, upload, announce), resumes until the
# run finishes, and compares with an uninterrupted reference run: the same
# refs (commits, tag ids) on every remote, the tag verifies, the tag's tree,
# identical tarballs, SHA256SUMS and signatures, no stray file in the work
# tree, $GIT_DIR, the tag, the tarballs or the state directory (no .tmp.
# names, no locks), exactly one announcement and every other would-be
# request (release page, CDN purge) once, `relman verify` passes, the
# journal's seq has no gaps, no step starts before what it needs, steps
# skipped at start never run, nothing succeeds twice.
#
# Each kill must hit a running relman (its exit status is SIGKILL's); a trial
# whose every kill came after relman had finished is reported as missed, not
# as a pass, and makes the exit status 1 like a failure.
#
#   --execute   `start --execute` instead of a rehearsal: the release goes to
#               the sample's local bare remotes, uploads and the announcement
#               to a loopback server (tests/server/fake_github.py), which also
#               stands in for GitHub so that a skipped step that runs shows.
#               Not for 3.14 and later (they would sign on a real Sigstore).
#   --version V  the release (default 3.12.0). From 3.14 pep101 signs with
#               Sigstore against the rehearsal's stand-in: the bundles and
#               the files listing them differ in every run (ephemeral keys),
#               so their presence is compared and the stand-in's log must
#               hold exactly one entry per tarball, whatever the kills.
#
# Prints the seed first; `--seed S --trial I` reruns one trial with the same
# random choices (kill instants are timing, so a rerun is close, not exact).
# Failing trials keep their directory (logs/run-NN.out holds each command's
# output). The output ends with "torture: P passed, F failed".
# RELMAN_TORTURE_TRIALS sets the default number of trials (20).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec python3 "$here/torture.py" "$@"
