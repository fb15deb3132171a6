#!/usr/bin/env bash
# Set up everything on a fresh Debian machine, lint, then run the test suite.
# Usage: bash scripts/test.sh [pytest args...]   (exit code: pytest's; "no tests" fails)
set -euo pipefail

# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
cd "$REPO_ROOT"
setup_all

log "ruff check"
"$VENV/bin/ruff" check .
log "mypy"
"$VENV/bin/mypy"

# One pytest pass. Runs the installed package: .venv/bin/pytest from the repo root
# (not `python -m pytest`, which would put the source folder on sys.path).
run_pytest() {
    local label="$1"; shift
    log "pytest ($label)"
    local rc=0
    "${PYTEST_BIN:-$VENV/bin/pytest}" "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        log "pytest ($label) collected no tests: treated as failure"
        rc=1
    fi
    return "$rc"
}

status=0
run_pytest "default" "$@" || status=$?

# --- Further passes go here, each as: run_pytest "<label>" "$@" || status=$? ---
# The pure-Python reference of the compiled accelerator (same tests, other implementation).
AIOMYSQL_NO_EXTENSIONS=1 run_pytest "pure Python, AIOMYSQL_NO_EXTENSIONS=1" "$@" || status=$?

# aiomysql.sa on SQLAlchemy 1.4 (its own venv): its fixed test files, whenever the whole
# suite runs or the arguments name something under tests/sa.
sa14_wanted=$(( $# == 0 ))
for arg in "$@"; do case "$arg" in tests/sa*) sa14_wanted=1 ;; esac; done
if [ "$sa14_wanted" -eq 1 ]; then
    if ensure_sa14_venv; then
        PYTEST_BIN="$SA14_VENV/bin/pytest" run_pytest "aiomysql.sa on SQLAlchemy 1.4" \
            tests/sa/test_sa_*.py || status=$?
    else
        status=1
    fi
fi

# Compatibility with upstream aiomysql 0.3.2: tests/compat runs its scenarios on the
# oracle venv and on this package and compares them; whenever the whole suite runs or
# the arguments name something under tests/compat (elsewhere those tests skip).
compat_wanted=$(( $# == 0 ))
for arg in "$@"; do case "$arg" in tests/compat*) compat_wanted=1 ;; esac; done
if [ "$compat_wanted" -eq 1 ]; then
    if ensure_oracle_venv; then
        AIOMYSQL_ORACLE_PYTHON="$ORACLE_VENV/bin/python" \
            run_pytest "compat: upstream aiomysql 0.3.2 as the oracle" tests/compat || status=$?
    else
        status=1
    fi
fi

exit "$status"
