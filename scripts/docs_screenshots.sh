#!/usr/bin/env bash
# Screenshots of the built site with headless Chromium (Debian's `chromium` package,
# installed when missing): the index, the API reference of aiomysql.connection and the
# Benchmarks page, as PNGs in OUTDIR (default docs/_build/screenshots). Not part of CI:
# a look at the pages, to check that they render. Build the site first (scripts/docs.sh).
# Usage: bash scripts/docs_screenshots.sh [OUTDIR]
set -euo pipefail

# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
cd "$REPO_ROOT"

out="${1:-docs/_build/screenshots}"
html="$REPO_ROOT/docs/_build/html"
[ -f "$html/index.html" ] || { log "no $html/index.html: run bash scripts/docs.sh first"; exit 1; }
command -v chromium >/dev/null 2>&1 || apt_install chromium
mkdir -p "$out"
for page in index api/connection benchmarks; do
    name="$(echo "$page" | tr / -).png"
    chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=1280,1600 --screenshot="$out/$name" "file://$html/$page.html" \
        >/dev/null 2>&1
    log "wrote $out/$name"
done
