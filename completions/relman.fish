# fish completion for relman: commands, options, workflow names, step ids
# (retry, skip, approve, log: from `relman status --json` of the run), formats.
# Installed as share/fish/vendor_completions.d/relman.fish.

set -l commands plan doctor rehearse start resume status retry skip approve graph log report verify

function __relman_steps --argument-names want
    set -l args
    set -l tokens (commandline -opc)
    set -l i (contains -i -- --state-dir $tokens)
    and set args --state-dir $tokens[(math $i + 1)]
    relman status --json $args 2>/dev/null | python3 -c '
import json, sys
want = sys.argv[1]
try:
    steps = json.load(sys.stdin)["steps"]
except Exception:
    steps = []
for s in steps:
    if want == "all" or (want == "gate" and s["uses"] == "gate") or (want == "unfinished" and s["state"] != "succeeded"):
        print(s["id"])
' $want 2>/dev/null
end

function __relman_runs
    set -l gitdir (git rev-parse --absolute-git-dir 2>/dev/null); or return
    for d in $gitdir/relman/*/
        basename $d
    end
end

function __relman_workflows
    for d in $RELMAN_WORKFLOWS ./workflows /usr/local/share/relman/workflows /usr/share/relman/workflows
        test -d $d; or continue
        for f in $d/*.yaml $d/*.yml
            basename $f | string replace -r '\.ya?ml$' ''
        end
    end
end

complete -c relman -f
complete -c relman -s v -l verbose -d 'say more: every progress line, checkpoints'
complete -c relman -s q -l quiet -d 'say only failures, waits, results and the next command'
complete -c relman -s h -l help -d 'show help'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -l version -d 'print the version'

complete -c relman -n "not __fish_seen_subcommand_from $commands" -a plan -d 'resolve the workflow and print its steps'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a doctor -d 'check what a real run needs; changes nothing'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a rehearse -d 'run the release in a sandbox'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a start -d 'make the real release (needs --execute)'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a resume -d 'continue a run'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a status -d 'each step and the next command'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a retry -d 'run a step again from scratch'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a skip -d 'record a step as skipped'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a approve -d 'approve a gate'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a graph -d 'draw the steps and their needs'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a log -d "print a step's log"
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a report -d 'write the release report'
complete -c relman -n "not __fish_seen_subcommand_from $commands" -a verify -d 'check the journal and the artifacts'

# Options by command.
complete -c relman -n "__fish_seen_subcommand_from plan doctor rehearse start" -l repo -r -a '(__fish_complete_directories)' -d 'the repository'
complete -c relman -n "__fish_seen_subcommand_from plan doctor rehearse start graph" -l workflow -r -a '(__relman_workflows)' -d 'workflow file or name'
complete -c relman -n "__fish_seen_subcommand_from plan doctor rehearse start resume graph" -l var -r -d 'KEY=VALUE'
complete -c relman -n "__fish_seen_subcommand_from plan rehearse start resume status retry skip approve log report verify" -l state-dir -r -a '(__fish_complete_directories)' -d "the run's directory"
complete -c relman -n "__fish_seen_subcommand_from resume status retry skip approve log report verify" -l run -r -a '(__relman_runs)' -d "which of the repository's runs"
complete -c relman -n "__fish_seen_subcommand_from rehearse start resume retry" -s j -l jobs -r -a '1 2 3 4 6 8' -d 'steps run at once'
complete -c relman -n "__fish_seen_subcommand_from doctor rehearse start" -l skip -r -d 'steps to skip: ID[,ID]'
complete -c relman -n "__fish_seen_subcommand_from rehearse start resume" -l auto-approve -d 'approve every gate'
complete -c relman -n "__fish_seen_subcommand_from rehearse start resume retry" -l ci -d 'no questions; JSON events on stdout'
complete -c relman -n "__fish_seen_subcommand_from rehearse start resume retry" -s y -l yes -d 'no confirmation before remote steps'
complete -c relman -n "__fish_seen_subcommand_from doctor rehearse start resume" -l sign-with -r -d 'signing key fingerprint'
complete -c relman -n "__fish_seen_subcommand_from rehearse" -l sigstore-real -d 'sign on the real Sigstore with your identity'
complete -c relman -n "__fish_seen_subcommand_from rehearse start resume retry skip approve" -l as -r -d 'who acts'
complete -c relman -n "__fish_seen_subcommand_from start" -l execute -d 'really push, upload and announce'
complete -c relman -n "__fish_seen_subcommand_from resume retry skip approve" -l accept-workflow-change -d 'continue with a changed workflow'
complete -c relman -n "__fish_seen_subcommand_from resume" -l redo -r -d 'steps to make again: ID[,ID]'
complete -c relman -n "__fish_seen_subcommand_from plan status" -l json -d 'machine-readable output'
complete -c relman -n "__fish_seen_subcommand_from skip" -l reason -r -d 'why (kept in the journal)'
complete -c relman -n "__fish_seen_subcommand_from approve" -l wait -r -d 'seconds to wait for a running relman'
complete -c relman -n "__fish_seen_subcommand_from graph" -l format -r -a 'dot mermaid'
complete -c relman -n "__fish_seen_subcommand_from report" -l format -r -a 'md html'
complete -c relman -n "__fish_seen_subcommand_from report" -s o -l output -r -F -d 'file to write'

# Step ids.
complete -c relman -n "__fish_seen_subcommand_from retry log" -a '(__relman_steps all)'
complete -c relman -n "__fish_seen_subcommand_from skip" -a '(__relman_steps unfinished)'
complete -c relman -n "__fish_seen_subcommand_from approve" -a '(__relman_steps gate)'
