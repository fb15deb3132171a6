#!/usr/bin/env bash
# Build the documentation site and check it: docs/_build/html.
#   1. every public name of the public modules has a docstring (scripts/check_docstrings.py)
#   2. Sphinx, warnings as errors (-W --keep-going, nitpicky: unresolved references to
#      aiomysql names, missing pages and broken internal links fail; no network use)
#   3. every Python example of the pages runs against a TemporaryServer
#      (scripts/run_doc_examples.py)
# Usage: bash scripts/docs.sh [--no-examples]
# The site's tools live in their own venv, .venv-docs (the `docs` extra of pyproject.toml);
# the pages document (and the examples run) the source tree, not an installed copy.
set -euo pipefail

# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
cd "$REPO_ROOT"

run_examples=1
for arg in "$@"; do
    case "$arg" in
        --no-examples) run_examples=0 ;;
        *) log "unknown argument: $arg"; exit 2 ;;
    esac
done

DOCS_VENV="$REPO_ROOT/.venv-docs"
started=$SECONDS
if ! [ -x "$DOCS_VENV/bin/python" ] || ! "$DOCS_VENV/bin/python" -c 'import pip' 2>/dev/null
then
    log "creating $DOCS_VENV"
    rm -rf "$DOCS_VENV"
    "$PYTHON" -m venv "$DOCS_VENV"
fi
if ! "$DOCS_VENV/bin/python" -c 'import sphinx, myst_parser, sqlalchemy, pymysql, greenlet, opentelemetry.sdk' \
    2>/dev/null; then
    # The `docs` extra's requirements only: the package itself is not installed there
    # (the pages use the source tree), which spares a build of the compiled core.
    log "installing the docs extra's requirements into $DOCS_VENV"
    # (tomllib is Python 3.11+; on 3.10 install the extra with the package instead.)
    if mapfile -t docs_reqs < <("$DOCS_VENV/bin/python" -c '
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["docs"]))
' "$REPO_ROOT/pyproject.toml") && [ "${#docs_reqs[@]}" -gt 0 ]; then
        "$DOCS_VENV/bin/python" -m pip install -q "${docs_reqs[@]}"
    else
        "$DOCS_VENV/bin/python" -m pip install -q "$REPO_ROOT[docs]"
    fi
fi
# The source tree first on the path: what is documented is what is checked out.
export PYTHONPATH="$REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"

status=0
log "docs: docstrings of the public names"
"$DOCS_VENV/bin/python" scripts/check_docstrings.py || status=1

log "docs: sphinx-build -W --keep-going -n -> docs/_build/html"
rm -rf docs/_build/html docs/_build/doctrees
"$DOCS_VENV/bin/python" -m sphinx -b html -W --keep-going -n -q \
    -d docs/_build/doctrees docs docs/_build/html || status=1

if [ "$run_examples" -eq 1 ]; then
    ensure_server
    log "docs: running the examples against a TemporaryServer"
    "$DOCS_VENV/bin/python" scripts/run_doc_examples.py docs || status=1
fi

log "docs: exit $status after $((SECONDS - started)) s"
exit "$status"
