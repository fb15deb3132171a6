#!/usr/bin/env bash
# Instructions per item (callgrind on the venvs' real interpreter), for this driver and its
# asyncio peers: per point select, pool acquire/release pair, fetched row, OK packet, and a
# bare asyncio COM_PING round trip as the floor. See README "Benchmarks" and
# benchmarks/instructions.py. Usage:
#   bash benchmarks/instructions.sh [--drivers ours,asyncmy] [--items point,pool,row,ok,ping,...]
#                                   [--runs 3] [--jobs 1] [--loop asyncio,uvloop] [--json F] [--markdown F]
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/_setup.sh
source "$BENCH_DIR/../scripts/_setup.sh"

ensure_server
command -v valgrind >/dev/null 2>&1 || apt_install valgrind
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_install python3-venv
exec "$PYTHON" "$BENCH_DIR/instructions.py" --python "$(command -v "$PYTHON")" "$@"
