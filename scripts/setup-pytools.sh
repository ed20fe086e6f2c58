#!/usr/bin/env bash
# Install the optional Python tools some tests use into .venv-pytools at the repository root:
#   cfn-lint — validates the CloudFormation that `trailwarden remediate --format cloudformation` writes
#              (test `cloudformation_passes_cfn_lint`, #[ignore]d by default; run with -- --ignored).
# Idempotent: nothing is downloaded when the pinned version is already there.
set -euo pipefail

CFN_LINT_VERSION="${CFN_LINT_VERSION:-1.58.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-pytools"
PYTHON="${PYTHON:-python3}"

if [ -x "$VENV/bin/cfn-lint" ] \
    && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('cfn-lint') != '$CFN_LINT_VERSION')" 2>/dev/null; then
    echo "setup-pytools: cfn-lint $CFN_LINT_VERSION already installed in $VENV"
    exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup-pytools: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
echo "setup-pytools: installing cfn-lint==$CFN_LINT_VERSION into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
"$VENV/bin/cfn-lint" --version
