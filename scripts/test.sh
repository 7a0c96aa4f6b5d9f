#!/usr/bin/env bash
# The one command that checks and tests authsvc, for developers and for CI (.ci/run).
#
#   scripts/test.sh [pytest arguments...]
#
# It installs the package into .venv, finds or starts PostgreSQL for the database
# tests (AUTHSVC_TEST_DATABASE_URL), runs the stub, proto, lint, format and type
# checks, then pytest with the given arguments.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
# postgres refuses to run as root, so a throwaway cluster runs as this system user.
PG_USER="authsvc-test"
# Only for testing this script: the port probed for an already running server.
PROBE_PORT="${AUTHSVC_TEST_PG_PROBE_PORT:-5432}"

# Set when this script started its own cluster, so that the exit trap stops it.
PG_TMP=""
PG_BIN=""

step() {
    printf '\n==> %s\n' "$*"
}

die() {
    printf 'scripts/test.sh: %s\n' "$*" >&2
    exit 1
}

ensure_venv() {
    local stamp="$VENV/.authsvc-install-stamp" want
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    # The dependencies live in pyproject.toml only, so its hash tells when to reinstall.
    if [[ "$(cat "$stamp" 2>/dev/null || true)" == "$want" ]]; then
        echo "up to date (pyproject.toml unchanged)"
        return
    fi
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --quiet \
        -e "${ROOT}[dev,gateway]"
    echo "$want" >"$stamp"
}

# Succeeds when a server at 127.0.0.1:$1 lets user postgres in without a password,
# which is what the exported URL needs (pg_isready would also accept a server that
# then refuses us).
server_usable() {
    "$VENV/bin/python" - "$1" <<'EOF' >/dev/null 2>&1
import sys

import psycopg2

psycopg2.connect(
    host="127.0.0.1", port=int(sys.argv[1]), user="postgres", dbname="postgres",
    connect_timeout=3,
).close()
EOF
}

# Prints the folder holding initdb and pg_ctl, newest version first; empty if none.
pg_bin_dir() {
    local initdb
    if initdb="$(command -v initdb)"; then
        dirname "$(readlink -f "$initdb")"
        return
    fi
    # Debian keeps them off PATH, one folder per major version.
    { find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null || true; } \
        | sort -V | tail -n 1 | xargs -r dirname
}

ensure_pg_bin() {
    PG_BIN="$(pg_bin_dir)"
    if [[ -n "$PG_BIN" ]]; then
        return
    fi
    [[ "$EUID" -eq 0 ]] || die "no PostgreSQL found; install it or set AUTHSVC_TEST_DATABASE_URL"
    command -v apt-get >/dev/null || die "no PostgreSQL found and no apt-get to install it"
    echo "installing PostgreSQL with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_BIN="$(pg_bin_dir)"
    [[ -n "$PG_BIN" ]] || die "apt-get installed postgresql but no initdb was found"
}

# Runs a PostgreSQL program as the cluster's owner, from / so that no unreadable
# working directory (e.g. under /root) gets in its way.
as_pg_user() {
    if [[ "$EUID" -eq 0 ]]; then
        (cd / && runuser -u "$PG_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

free_port() {
    "$VENV/bin/python" -c '
import socket

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
'
}

stop_cluster() {
    [[ -n "$PG_TMP" ]] || return 0
    echo "stopping the throwaway PostgreSQL cluster in $PG_TMP"
    as_pg_user "$PG_BIN/pg_ctl" stop -D "$PG_TMP/data" -m fast -s || true
    rm -rf "$PG_TMP"
    PG_TMP=""
}

start_cluster() {
    local port options
    ensure_pg_bin
    if [[ "$EUID" -eq 0 ]] && ! id -u "$PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    fi
    # Under /tmp rather than the repo: the repo may sit in a folder this user cannot enter.
    PG_TMP="$(mktemp -d /tmp/authsvc-pg-XXXXXX)"
    trap stop_cluster EXIT
    [[ "$EUID" -ne 0 ]] || chown "$PG_USER" "$PG_TMP"
    port="$(free_port)"
    echo "starting a throwaway PostgreSQL cluster ($PG_BIN) in $PG_TMP on port $port"
    as_pg_user "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 \
        --no-locale --no-sync >"$PG_TMP/initdb.log" \
        || { cat "$PG_TMP/initdb.log"; die "initdb failed"; }
    # The socket goes into our own folder: Debian's default one may not exist or be ours.
    # fsync is off because the cluster is thrown away after the run.
    options="-c listen_addresses=127.0.0.1 -c port=$port"
    options+=" -c unix_socket_directories=$PG_TMP -c fsync=off"
    as_pg_user "$PG_BIN/pg_ctl" start -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 -s \
        -o "$options" || { cat "$PG_TMP/server.log"; die "pg_ctl start failed"; }
    AUTHSVC_TEST_DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:$port/postgres"
}

ensure_database() {
    if [[ -n "${AUTHSVC_TEST_DATABASE_URL:-}" ]]; then
        echo "using AUTHSVC_TEST_DATABASE_URL as given"
    elif server_usable "$PROBE_PORT"; then
        AUTHSVC_TEST_DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:$PROBE_PORT/postgres"
        echo "using the server at 127.0.0.1:$PROBE_PORT"
    else
        echo "no usable server at 127.0.0.1:$PROBE_PORT (user postgres, trust auth)"
        start_cluster
    fi
    export AUTHSVC_TEST_DATABASE_URL
}

main() {
    cd "$ROOT"
    # Stop a throwaway cluster on Ctrl-C or kill too: exiting runs the EXIT trap.
    trap 'exit 130' INT
    trap 'exit 143' TERM

    step "Python environment (.venv)"
    ensure_venv
    step "PostgreSQL for the tests"
    ensure_database
    step "Generated stubs are fresh"
    "$VENV/bin/python" scripts/generate_stubs.py --check
    step "buf lint"
    npx --yes @bufbuild/buf lint
    step "ruff check"
    "$VENV/bin/ruff" check .
    step "ruff format --check"
    "$VENV/bin/ruff" format --check .
    step "mypy"
    "$VENV/bin/mypy"
    step "pytest"
    "$VENV/bin/python" -m pytest "$@"
}

main "$@"
