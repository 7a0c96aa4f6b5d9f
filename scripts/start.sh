#!/usr/bin/env bash
# The newcomer's start command: the gRPC service and the REST gateway in one process, on
# the embedded default (SQLite in the data directory, the development call provider).
#
#   scripts/start.sh [--no-install]
#
# It installs the package into .venv (skipped while pyproject.toml is unchanged, or with
# --no-install), then runs `authsvc serve --gateway`. Everything it prints also goes to
# $AUTHSVC_DATA_DIR/authsvc.log, where the README's walkthrough finds the codes that the
# development provider logs instead of calling. AUTHSVC_* variables set outside are kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

die() {
    printf 'scripts/start.sh: %s\n' "$*" >&2
    exit 1
}

ensure_venv() {
    local want
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV" || die "python3 -m venv failed"
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    # scripts/test.sh installs a superset ([dev,gateway]) and keeps its own stamp.
    for stamp in "$VENV/.authsvc-start-stamp" "$VENV/.authsvc-install-stamp"; do
        if [[ "$(cat "$stamp" 2>/dev/null || true)" == "$want" ]]; then
            return
        fi
    done
    echo "installing authsvc with the gateway extra into $VENV"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --quiet \
        -e "${ROOT}[gateway]"
    echo "$want" >"$VENV/.authsvc-start-stamp"
}

main() {
    case "${1:-}" in
        "") ensure_venv ;;
        --no-install) ;;
        *) die "unknown argument: $1 (usage: scripts/start.sh [--no-install])" ;;
    esac

    # The same default as the service's own, made explicit to know where the log goes.
    export AUTHSVC_DATA_DIR="${AUTHSVC_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/authsvc}"
    # Local use over plain HTTP: a Secure cookie would never come back to the gateway.
    export AUTHSVC_COOKIE_SECURE="${AUTHSVC_COOKIE_SECURE:-false}"
    # The log holds development codes and the data directory the database: owner only.
    umask 077
    mkdir -p "$AUTHSVC_DATA_DIR"
    local log="$AUTHSVC_DATA_DIR/authsvc.log"

    echo "gRPC on ${AUTHSVC_GRPC_ADDRESS:-127.0.0.1:50051}," \
        "REST on http://${AUTHSVC_HTTP_ADDRESS:-127.0.0.1:8080}, log in $log"
    # tee -i: Ctrl-C stops the service, which logs its shutdown, before the log closes.
    exec > >(tee -ia "$log") 2>&1
    exec "$VENV/bin/authsvc" serve --gateway
}

main "$@"
