#!/usr/bin/env bash
# The peer benchmark in one command, on a fresh Debian machine: installs the server, the
# client and the build tools mysqlclient needs when missing, one venv per driver under
# benchmarks/.venvs, then runs the suite (see README "Benchmarks").
# Usage: bash benchmarks/run.sh [--rounds N] [--json out.json] [--markdown out.md]
#                               [--drivers ours,asyncmy,...] [--workloads 1-fetch,...]
#                               [--profile DIR] [--timeout S] [--no-install]
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/_setup.sh
source "$BENCH_DIR/../scripts/_setup.sh"

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

exec "$PYTHON" "$BENCH_DIR/suite.py" --python "$(command -v "$PYTHON")" "$@"
