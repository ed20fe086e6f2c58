#!/usr/bin/env bash
# The whole test suite, on a fresh machine. It first installs what the tests use besides Rust crates,
# each step idempotent (skipped when already present):
#   - moto's server, in .venv                    (scripts/setup-moto.sh; AWS tests talk to it on loopback)
#   - cfn-lint and the AWS CLI, in .venv-pytools (scripts/setup-pytools.sh; checks of the remediation exports)
#   - chromium, xmllint, fonts (Debian packages) (scripts/setup-test-tools.sh; HTML/JUnit report checks)
# then runs every test of the workspace. .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-moto.sh
scripts/setup-pytools.sh
scripts/setup-test-tools.sh
cargo test --workspace --locked
