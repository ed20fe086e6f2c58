#!/usr/bin/env bash
# Install the Python tools some tests run into .venv-pytools at the repository root (pinned versions):
#   cfn-lint — validates the CloudFormation `trailwarden remediate --format cloudformation` writes
#              (test `cloudformation_passes_cfn_lint`).
#   awscli   — the AWS CLI v1 from PyPI; runs the `--format cli` script against moto
#              (test `the_cli_script_remediates_an_account_in_moto`). v1 ≥ 1.31 honours AWS_ENDPOINT_URL.
# Those tests fail with "run scripts/setup-pytools.sh" when a tool is missing; they never skip.
# Idempotent: nothing is downloaded when the pinned versions are already there.
set -euo pipefail

CFN_LINT_VERSION="${CFN_LINT_VERSION:-1.58.0}"
AWSCLI_VERSION="${AWSCLI_VERSION:-1.46.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-pytools"
PYTHON="${PYTHON:-python3}"

# Whether package $1 is installed at version $2 in the venv.
have() {
    [ -x "$VENV/bin/python" ] \
        && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('$1') != '$2')" 2>/dev/null
}

if have cfn-lint "$CFN_LINT_VERSION" && have awscli "$AWSCLI_VERSION" \
    && [ -x "$VENV/bin/cfn-lint" ] && [ -x "$VENV/bin/aws" ]; then
    echo "setup-pytools: cfn-lint $CFN_LINT_VERSION and awscli $AWSCLI_VERSION already installed in $VENV"
    exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup-pytools: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
echo "setup-pytools: installing cfn-lint==$CFN_LINT_VERSION awscli==$AWSCLI_VERSION into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "cfn-lint==$CFN_LINT_VERSION" "awscli==$AWSCLI_VERSION"
"$VENV/bin/cfn-lint" --version
"$VENV/bin/aws" --version
