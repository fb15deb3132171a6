#!/usr/bin/env bash
# The peer benchmark in one command, on a fresh Debian machine: installs the server, the
# client and the build tools mysqlclient needs when missing, one venv per driver under
# benchmarks/.venvs, then runs the suite (see README "Benchmarks").
# Usage: bash benchmarks/run.sh [--rounds N] [--json out.json] [--markdown out.md]
#                               [--drivers ours,asyncmy,...] [--workloads 1-fetch,...]
#                               [--profile DIR] [--timeout S] [--no-install]
#                               [--loop uvloop] [--charts DIR [--from-json FILE]]
# --loop uvloop: every asyncio driver also runs each workload on uvloop (installed into its
# venv); the table gets the uvloop medians and ratios as extra columns on the same row.
# --charts DIR: also draw the bar charts of the ratios to asyncmy (wall, CPU) and the table
# into DIR (benchmarks/charts.py; matplotlib in its own venv, benchmarks/.venvs/charts).
# With --from-json FILE nothing is run: the charts are drawn from an earlier run's JSON.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/_setup.sh
source "$BENCH_DIR/../scripts/_setup.sh"

# --charts DIR / --from-json FILE are ours; everything else goes to suite.py.
charts_dir="" from_json="" json_out="" suite_args=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --charts) charts_dir="${2:?--charts needs a directory}"; shift 2 ;;
        --from-json) from_json="${2:?--from-json needs a file}"; shift 2 ;;
        --json) json_out="${2:?--json needs a file}"; suite_args+=("$1" "$2"); shift 2 ;;
        *) suite_args+=("$1"); shift ;;
    esac
done
if [ -n "$from_json" ] && [ -z "$charts_dir" ]; then
    log "--from-json only goes with --charts DIR"; exit 2
fi

# matplotlib for the charts, in a venv of its own (a benchmark-only dependency).
draw_charts() {
    local venv="$BENCH_DIR/.venvs/charts"
    if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null
    then
        log "creating $venv (matplotlib)"
        rm -rf "$venv"
        "$PYTHON" -m venv "$venv"
        "$venv/bin/python" -m pip install -q "matplotlib>=3.5"
    fi
    "$venv/bin/python" "$BENCH_DIR/charts.py" "$1" "$charts_dir"
}
if [ -n "$from_json" ]; then
    draw_charts "$from_json"
    exit 0
fi

ensure_server  # mariadbd and the mariadb CLI (the suite loads its data with it)

missing=()
command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null
then
    missing+=(libmariadb-dev)
fi
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing for the benchmark: ${missing[*]}"
    # A failure here only costs the drivers that need the package (mysqlclient): go on.
    apt_install "${missing[@]}" || log "apt-get install ${missing[*]} failed; continuing"
fi

if [ -z "$charts_dir" ]; then
    exec "$PYTHON" "$BENCH_DIR/suite.py" --python "$(command -v "$PYTHON")" ${suite_args[@]+"${suite_args[@]}"}
fi
if [ -z "$json_out" ]; then
    mkdir -p "$charts_dir"
    json_out="$charts_dir/results.json"
    suite_args+=(--json "$json_out")
fi
"$PYTHON" "$BENCH_DIR/suite.py" --python "$(command -v "$PYTHON")" "${suite_args[@]}"
draw_charts "$json_out"
