# shellcheck shell=bash
# Shared set-up sourced by scripts/test.sh and scripts/example.sh: server binary, venv,
# non-editable install of the package with its test extras. Idempotent.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
PYTHON="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 DEBIAN_FRONTEND=noninteractive

log() { printf '==> %s\n' "$*" >&2; }

# Print the path of the first mariadbd/mysqld on PATH or in the usual sbin dirs.
find_server_binary() {
    local name dir
    for name in mariadbd mysqld; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
        for dir in /usr/sbin /usr/libexec /usr/local/mysql/bin /usr/local/sbin; do
            if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
        done
    done
    return 1
}

# apt-get install without letting the package start a system service (that would take
# port 3306, which belongs to scripts/example.sh).
apt_install() {
    local sudo="" added_policy=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { log "need root (or sudo) to install: $*"; return 1; }
        sudo="sudo"
    fi
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
        $sudo chmod +x /usr/sbin/policy-rc.d
        added_policy=1
    fi
    local rc=0
    $sudo apt-get update -q && $sudo apt-get install -y -q "$@" || rc=$?
    if [ -n "$added_policy" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
    return "$rc"
}

ensure_server() {
    local binary
    if binary="$(find_server_binary)"; then
        log "database server: $binary"
    else
        log "no mariadbd/mysqld found: installing mariadb-server from Debian packages"
        apt_install mariadb-server
        binary="$(find_server_binary)" || { log "mariadb-server installed but no mariadbd found"; return 1; }
        log "database server: $binary"
    fi
    # The Galera tests (tests/cluster) need the provider and rsync for state transfers.
    if [ ! -e /usr/lib/galera/libgalera_smm.so ] || ! command -v rsync >/dev/null 2>&1; then
        log "no Galera provider or rsync (the Galera tests use them): installing galera-4 rsync"
        apt_install galera-4 rsync
    fi
    if ! command -v mariadb >/dev/null 2>&1 && ! command -v mysql >/dev/null 2>&1; then
        log "no mariadb/mysql command-line client (the tests use it): installing mariadb-client"
        apt_install mariadb-client
    fi
}

ensure_venv() {
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1; then
        log "reusing $VENV"
        return 0
    fi
    if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        log "python venv module missing: installing python3-venv"
        apt_install python3-venv
    fi
    log "creating $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
}

# Install the package (not editable) so everything runs against the installed copy.
install_package() {
    log "installing aiomysql[test] into $VENV (non-editable)"
    "$VENV/bin/python" -m pip install -q "$REPO_ROOT[test]"
    local location
    location="$(cd / && "$VENV/bin/python" -I -c \
        'import aiomysql; print(list(aiomysql.__path__)[0])')"
    case "$location" in
        "$VENV"/*) log "aiomysql imported from $location" ;;
        *) log "aiomysql imports from $location, not from $VENV"; return 1 ;;
    esac
}

# A second venv for the aiomysql.sa tests on SQLAlchemy 1.4 (the main one has 2.x).
SA14_VENV="$REPO_ROOT/.venv-sa14"
ensure_sa14_venv() {
    if ! [ -x "$SA14_VENV/bin/python" ] || ! "$SA14_VENV/bin/python" -c 'import pip' 2>/dev/null
    then
        log "creating $SA14_VENV (SQLAlchemy 1.4)"
        rm -rf "$SA14_VENV"
        "$PYTHON" -m venv "$SA14_VENV"
    fi
    log "installing aiomysql and SQLAlchemy 1.4 into $SA14_VENV (non-editable)"
    "$SA14_VENV/bin/python" -m pip install -q "$REPO_ROOT" "sqlalchemy>=1.4,<1.5" \
        "pytest>=8" "pytest-asyncio>=0.23" "pytest-timeout>=2" PyMySQL
}

# The oracle for tests/compat: upstream aiomysql 0.3.2 on PyMySQL (and SQLAlchemy 1.3 for
# its aiomysql.sa), in a venv of its own; the compat tests run scenarios under it.
ORACLE_VENV="$REPO_ROOT/.venv-oracle"
ensure_oracle_venv() {
    if ! [ -x "$ORACLE_VENV/bin/python" ] || ! "$ORACLE_VENV/bin/python" -c 'import pip' 2>/dev/null
    then
        log "creating $ORACLE_VENV (upstream aiomysql 0.3.2, the compat oracle)"
        rm -rf "$ORACLE_VENV"
        "$PYTHON" -m venv "$ORACLE_VENV"
    fi
    log "installing aiomysql==0.3.2 and PyMySQL<1.2 into $ORACLE_VENV"
    "$ORACLE_VENV/bin/python" -m pip install -q "aiomysql==0.3.2" "PyMySQL<1.2" \
        "sqlalchemy>=1.3,<1.4"
}

setup_all() {
    ensure_server
    ensure_venv
    install_package
}
