#!/usr/bin/env bash
# Install moto's server (the AWS stand-in every AWS test talks to) into .venv at the repository root.
#
# Idempotent: when .venv/bin/moto_server already reports the pinned version, nothing is downloaded.
# The version is pinned so that what the tests assert about moto's behaviour stays reproducible;
# bump MOTO_VERSION deliberately and re-run `cargo test -p trailwarden-aws` when you do.
set -euo pipefail

MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

if [ -x "$VENV/bin/moto_server" ] && [ -x "$VENV/bin/python" ] \
    && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$MOTO_VERSION')" 2>/dev/null; then
    echo "setup-moto: moto $MOTO_VERSION already installed in $VENV"
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup-moto: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
echo "setup-moto: installing moto[server]==$MOTO_VERSION into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
"$VENV/bin/moto_server" --help >/dev/null
echo "setup-moto: done ($("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('moto'))"))"
