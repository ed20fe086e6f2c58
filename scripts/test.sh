#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (moto's server in .venv),
# then runs every test of the workspace. .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-moto.sh
cargo test --workspace --locked
