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
    local rc=0 started=$SECONDS
    "${PYTEST_BIN:-$VENV/bin/pytest}" "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        log "pytest ($label) collected no tests: treated as failure"
        rc=1
    fi
    log "pytest ($label): exit $rc after $((SECONDS - started)) s"
    return "$rc"
}

# Busy loops, one per core, stopped by stop_busy_loops (also on exit).
BUSY_PIDS=()
start_busy_loops() {
    local i
    for ((i = 0; i < $1; i++)); do
        ( while :; do :; done ) &
        BUSY_PIDS+=("$!")
    done
    trap stop_busy_loops EXIT
}
stop_busy_loops() {
    if [ "${#BUSY_PIDS[@]}" -gt 0 ]; then
        kill "${BUSY_PIDS[@]}" 2>/dev/null || true
        wait "${BUSY_PIDS[@]}" 2>/dev/null || true
        BUSY_PIDS=()
    fi
    trap - EXIT
}

timing_check() {
    local rounds="$1" cores round rc=0
    cores="$(nproc)"
    start_busy_loops "$cores"
    local started=$SECONDS
    log "timing check: tests marked 'timing', $rounds rounds, $cores busy loops"
    for ((round = 1; round <= rounds; round++)); do
        if ! run_pytest "timing round $round/$rounds under load ($cores busy loops)" \
            -m timing -q -p no:cacheprovider; then
            log "timing check FAILED in round $round/$rounds"
            rc=1
            break
        fi
    done
    stop_busy_loops
    log "timing check: $((SECONDS - started)) s in all"
    return "$rc"
}

EXTRA_PYTHONS="${AIOMYSQL_EXTRA_PYTHONS-3.10 3.12 3.13}"
# What runs on the other Pythons: the sans-IO core and fuzzing in full, and the integration
# modules that cover connecting, cursors, the pool and the types.
OTHER_PYTHON_TESTS=(
    tests/protocol tests/fuzz
    tests/integration/test_connection.py tests/integration/test_cursors.py
    tests/integration/test_pool.py tests/integration/test_types.py
)

# The interpreter for Python $1 (e.g. 3.10) from pyenv: $(pyenv root) or ~/.pyenv.
find_pyenv_python() {
    local version="$1" root candidate
    for root in "$(pyenv root 2>/dev/null || true)" "$HOME/.pyenv"; do
        [ -n "$root" ] || continue
        for candidate in "$root"/versions/"$version".*/bin/python"$version"; do
            if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
        done
    done
    return 1
}

other_python_pass() {
    local version="$1" interpreter venv="$REPO_ROOT/.venv-py$1" started=$SECONDS
    if ! interpreter="$(find_pyenv_python "$version")"; then
        log "!!!!!! Python $version NOT FOUND under \$(pyenv root)/versions or ~/.pyenv/versions"
        log "!!!!!! requires-python claims it: install it (pyenv install $version) -- FAILING"
        return 1
    fi
    if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pip' >/dev/null 2>&1; then
        log "creating $venv from $interpreter"
        rm -rf "$venv"
        "$interpreter" -m venv "$venv"
    else
        log "reusing $venv"
    fi
    log "installing aiomysql[test] into $venv (non-editable, compiled core built)"
    "$venv/bin/python" -m pip install -q "$REPO_ROOT[test]" || return 1
    if ! (cd / && "$venv/bin/python" -I -c 'import aiomysql.protocol._speedups'); then
        log "Python $version: the compiled core was not built"
        return 1
    fi
    local rc=0
    PYTEST_BIN="$venv/bin/pytest" run_pytest "Python $version, compiled" \
        "${OTHER_PYTHON_TESTS[@]}" || rc=$?
    AIOMYSQL_NO_EXTENSIONS=1 PYTEST_BIN="$venv/bin/pytest" \
        run_pytest "Python $version, pure Python" "${OTHER_PYTHON_TESTS[@]}" || rc=$?
    log "Python $version: $((SECONDS - started)) s with the venv set-up"
    return "$rc"
}

# Free-threaded CPython (python3.13t), when the machine has it: import aiomysql and run one
# query against a TemporaryServer (pure Python; the compiled core is not built for it).
free_threaded_check() {
    local interpreter="" candidate venv="$REPO_ROOT/.venv-py3.13t"
    for candidate in "$(command -v python3.13t 2>/dev/null || true)" \
        "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.13*t/bin/python3.13t; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then interpreter="$candidate"; break; fi
    done
    if [ -z "$interpreter" ]; then
        log "python3.13t (free-threaded) is not on this machine: no free-threaded pass"
        return 0
    fi
    log "free-threaded $interpreter: import aiomysql and one query"
    [ -x "$venv/bin/python" ] || "$interpreter" -m venv "$venv" || return 1
    AIOMYSQL_NO_EXTENSIONS=1 "$venv/bin/python" -m pip install -q "$REPO_ROOT" || return 1
    (cd / && AIOMYSQL_NO_EXTENSIONS=1 "$venv/bin/python" -I -c '
import asyncio
import aiomysql
from aiomysql.testing import TemporaryServer

async def main(srv):
    conn = await aiomysql.connect(host=srv.host, port=srv.port, user=srv.user,
                                  password=srv.password)
    async with conn.cursor() as cur:
        await cur.execute("SELECT 1 + 1")
        assert await cur.fetchone() == (2,)
    await conn.ensure_closed()

with TemporaryServer() as srv:
    asyncio.run(main(srv))
print("free-threaded: one query OK")
')
}

status=0
run_pytest "default" "$@" || status=$?

# --- Further passes go here, each as: run_pytest "<label>" "$@" || status=$? ---
# The pure-Python reference of the compiled accelerator (same tests, other implementation).
AIOMYSQL_NO_EXTENSIONS=1 run_pytest "pure Python, AIOMYSQL_NO_EXTENSIONS=1" "$@" || status=$?

whole_suite=$(( $# == 0 ))

# Protocol compression forced on for every connection the fixtures open
# (AIOMYSQL_TEST_COMPRESS=1, tests/conftest.py): a representative subset (~60 s): statements,
# results, types, executemany, LOCAL INFILE, multi-results, the pool, cancellation, kills and
# faults. Whole-suite runs only; the whole suite passes so too (minus the tests that place
# faults by uncompressed wire bytes, which the switch skips).
COMPRESSED_TESTS=(
    tests/integration/test_cursors.py tests/integration/test_connection.py
    tests/integration/test_executemany.py tests/integration/test_local_infile.py
    tests/integration/test_unread_results.py tests/integration/test_types.py
    tests/integration/test_callproc.py tests/integration/test_pool.py
    tests/integration/test_cursors_memory.py tests/integration/test_compression.py
    tests/faults/test_cancellation.py tests/faults/test_server_kill.py
    tests/faults/test_fault_points.py tests/faults/test_compression_faults.py
)
if [ "$whole_suite" -eq 1 ]; then
    AIOMYSQL_TEST_COMPRESS=1 run_pytest "protocol compression forced on, AIOMYSQL_TEST_COMPRESS=1" \
        "${COMPRESSED_TESTS[@]}" || status=$?
fi

# The cursor tests with prepared statements forced on (AIOMYSQL_TEST_PREPARED=1: connect()
# defaults to prepared=True), compiled implementation; whole-suite runs only. The checks of
# text-protocol details prepared statements deliberately differ in are marked
# `text_protocol` and skip in this pass (README, "Prepared statements").
PREPARED_PASS_TESTS=(
    tests/integration/test_cursors.py tests/integration/test_cursors_conversions.py
    tests/integration/test_types.py tests/integration/test_parameters.py
    tests/integration/test_executemany.py tests/integration/test_callproc.py
    tests/integration/test_dropin.py tests/integration/test_local_infile.py
    tests/faults/test_cancellation.py
)
if [ "$whole_suite" -eq 1 ]; then
    AIOMYSQL_TEST_PREPARED=1 run_pytest "prepared statements forced on (AIOMYSQL_TEST_PREPARED=1)" \
        -q -p no:cacheprovider "${PREPARED_PASS_TESTS[@]}" || status=$?
fi

# aiomysql.sa on SQLAlchemy 1.4 (its own venv): its fixed test files, whenever the whole
# suite runs or the arguments name something under tests/sa.
sa14_wanted=$whole_suite
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

# The tests marked `timing` (timeouts, cancellation) TIMING_ROUNDS times in a row, compiled
# implementation, with one busy loop per core for the duration: they hold the work at exact
# points, so a loaded machine must not change any outcome. Whole-suite runs only.
if [ "$whole_suite" -eq 1 ]; then
    timing_check "${AIOMYSQL_TIMING_ROUNDS:-5}" || status=$?
fi

# Every other Python we claim (requires-python >=3.10): a venv per version from pyenv, the
# compiled core built for it, and a representative subset in both implementations.
# Whole-suite runs only; a version missing on the machine fails the run.
if [ "$whole_suite" -eq 1 ]; then
    for version in $EXTRA_PYTHONS; do
        other_python_pass "$version" || status=$?
    done
    free_threaded_check || status=$?
fi

# The documentation site (scripts/docs.sh): docstrings of every public name, the Sphinx
# build with warnings as errors and internal references checked, and every code example
# of the pages run against a TemporaryServer. Whole-suite runs only.
if [ "$whole_suite" -eq 1 ]; then
    docs_started=$SECONDS
    bash "$REPO_ROOT/scripts/docs.sh" || status=$?
    log "docs: $((SECONDS - docs_started)) s"
fi

exit "$status"
