#!/usr/bin/env bash
# Set up everything on a fresh Debian machine, then run an example against a server on
# localhost:3306 (an existing one, or a TemporaryServer started for the run).
# Usage: bash scripts/example.sh [examples/FILE.py]   (default: examples/basic_pool.py)
set -euo pipefail

# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
cd "$REPO_ROOT"
setup_all

example="${1:-examples/basic_pool.py}"
[ -f "$example" ] || { log "no such example: $example"; exit 2; }
exec "$VENV/bin/python" scripts/run_with_server.py "$example"
