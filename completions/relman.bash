# bash completion for relman                                  -*- shell-script -*-
#
# Completes commands, options, workflow names (--workflow), step ids (retry,
# skip, approve, log: read from `relman status --json` of the run; --skip:
# from `relman plan VERSION --json`), formats, and paths.
# Installed as share/bash-completion/completions/relman; or: source it.

# The value of option $1 on the current command line, if given.
_relman_opt_value() {
    local i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        if [[ ${COMP_WORDS[i]} == "$1" ]]; then
            printf '%s\n' "${COMP_WORDS[i + 1]}"
            return
        fi
        if [[ ${COMP_WORDS[i]} == "$1="* ]]; then
            printf '%s\n' "${COMP_WORDS[i]#*=}"
            return
        fi
    done
}

# Workflow names: NAME for each NAME.yaml where relman looks for them.
_relman_workflows() {
    local d f
    for d in "${RELMAN_WORKFLOWS:-}" ./workflows /usr/local/share/relman/workflows /usr/share/relman/workflows \
        "$(dirname "$(dirname "$(command -v relman 2>/dev/null || echo /nonexistent/bin/relman)")")/share/relman/workflows"; do
        [[ -n $d && -d $d ]] || continue
        for f in "$d"/*.yaml "$d"/*.yml; do
            [[ -f $f ]] || continue
            f=${f##*/}
            printf '%s\n' "${f%.*}"
        done
    done | sort -u
}

# Step ids from a JSON document relman printed with 2-space indentation (each
# step's keys sit at 6 spaces). $1: "all", "gate" (uses == gate) or
# "unfinished" (state is not succeeded).
_relman_ids_from_json() {
    awk -v want="$1" '
        /^      "id": "/      { id = $0; sub(/^      "id": "/, "", id); sub(/",?$/, "", id) }
        /^      "uses": "/    { uses = $0; sub(/^      "uses": "/, "", uses); sub(/",?$/, "", uses) }
        /^      "state": "/   { st = $0; sub(/^      "state": "/, "", st); sub(/",?$/, "", st) }
        /^    }/ {
            if (id != "" && (want == "all" || (want == "gate" && uses == "gate") ||
                             (want == "unfinished" && st != "succeeded"))) print id
            id = ""; uses = ""; st = ""
        }'
}

# Step ids of the run this command line names (--state-dir, --run, or the one
# relman finds from here: $RELMAN_STATE_DIR, the enclosing run, the only run
# in the repository's $GIT_DIR/relman/).
_relman_run_steps() {
    local dir run args=()
    dir=$(_relman_opt_value --state-dir)
    [[ -n $dir ]] && args=(--state-dir "${dir/#\~/$HOME}")
    run=$(_relman_opt_value --run)
    [[ -n $run ]] && args+=(--run "$run")
    "${COMP_WORDS[0]}" status --json "${args[@]}" 2>/dev/null | _relman_ids_from_json "$1"
}

# Step ids of the workflow for the VERSION on this command line (for --skip).
_relman_plan_steps() {
    local version="" wf args=() i
    for ((i = 2; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} =~ ^[0-9]+\.[0-9]+\.[0-9]+((a|b|rc)[0-9]+)?$ ]]; then
            version=${COMP_WORDS[i]}
            break
        fi
    done
    [[ -n $version ]] || version=1.0.0
    wf=$(_relman_opt_value --workflow)
    [[ -n $wf ]] && args+=(--workflow "${wf/#\~/$HOME}")
    "${COMP_WORDS[0]}" plan "$version" --json "${args[@]}" 2>/dev/null | _relman_ids_from_json all
}

_relman() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n =: || return
    else
        COMPREPLY=()
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        cword=$COMP_CWORD
    fi

    local commands="plan doctor rehearse start resume status retry skip approve graph log report verify"
    local run_opts="--repo --workflow --var --state-dir --jobs -j --skip --auto-approve --ci --yes -y --sign-with --as --help"

    # The command: the first word after relman that is not an option.
    local cmd="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} != -* ]]; then
            cmd=${COMP_WORDS[i]}
            break
        fi
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi

    # Option values.
    case $prev in
        --workflow)
            COMPREPLY=($(compgen -W "$(_relman_workflows)" -- "$cur") $(compgen -f -X '!*.y*ml' -- "$cur"))
            compopt -o filenames 2>/dev/null
            return ;;
        --repo | --state-dir)
            COMPREPLY=($(compgen -d -- "$cur"))
            compopt -o filenames 2>/dev/null
            return ;;
        -o | --output)
            COMPREPLY=($(compgen -f -- "$cur"))
            compopt -o filenames 2>/dev/null
            return ;;
        --format)
            case $cmd in
                graph) COMPREPLY=($(compgen -W "dot mermaid" -- "$cur")) ;;
                report) COMPREPLY=($(compgen -W "md html" -- "$cur")) ;;
            esac
            return ;;
        --skip)
            # A comma-separated list: complete the last item.
            local done_part="" last=$cur
            if [[ $cur == *,* ]]; then
                done_part=${cur%,*},
                last=${cur##*,}
            fi
            local id
            COMPREPLY=()
            for id in $(_relman_plan_steps); do
                [[ $id == "$last"* && ",$done_part" != *",$id,"* ]] && COMPREPLY+=("$done_part$id")
            done
            compopt -o nospace 2>/dev/null
            return ;;
        --jobs | -j)
            COMPREPLY=($(compgen -W "1 2 3 4 6 8" -- "$cur"))
            return ;;
        --run)
            # The runs of the repository relman would look in from here.
            local gitdir
            gitdir=$(git rev-parse --absolute-git-dir 2>/dev/null) || return
            COMPREPLY=($(compgen -W "$(cd "$gitdir/relman" 2>/dev/null && ls -d */ 2>/dev/null | tr -d /)" -- "$cur"))
            return ;;
        --var | --reason | --as | --sign-with)
            return ;;
    esac

    local opts=""
    case $cmd in
        plan) opts="--repo --workflow --var --state-dir --json --help" ;;
        rehearse) opts="$run_opts --sigstore-real" ;;
        start) opts="$run_opts --execute" ;;
        resume) opts="--state-dir --run --jobs -j --ci --auto-approve --yes -y --accept-workflow-change --var --sign-with --redo --as --help" ;;
        doctor) opts="--repo --workflow --var --skip --sign-with --help" ;;
        status) opts="--state-dir --run --json --help" ;;
        retry) opts="--state-dir --run --jobs -j --ci --yes -y --accept-workflow-change --as --help" ;;
        skip) opts="--reason --as --state-dir --run --accept-workflow-change --help" ;;
        approve) opts="--as --wait --state-dir --run --accept-workflow-change --help" ;;
        graph) opts="--workflow --var --format --help" ;;
        log) opts="--state-dir --run --help" ;;
        report) opts="--state-dir --run --format -o --output --help" ;;
        verify) opts="--state-dir --run --help" ;;
        *) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    # Positional arguments: a step id for retry/skip/approve/log (once).
    local positional=0
    for ((i = 2; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --repo | --workflow | --var | --state-dir | --run | --jobs | -j | --skip | --sign-with | --reason | --as | --format | -o | --output) ((i++)) ;;
            -*) ;;
            *) ((positional++)) ;;
        esac
    done
    ((positional == 0)) || return
    case $cmd in
        retry | log) COMPREPLY=($(compgen -W "$(_relman_run_steps all)" -- "$cur")) ;;
        skip) COMPREPLY=($(compgen -W "$(_relman_run_steps unfinished)" -- "$cur")) ;;
        approve) COMPREPLY=($(compgen -W "$(_relman_run_steps gate)" -- "$cur")) ;;
    esac
}

complete -F _relman relman
