#!/usr/bin/env bash
# Install the system tools the audit's report-format tests call as subprocesses (Debian packages):
#   chromium       — tests/html_chromium.rs opens the HTML report headless (--dump-dom, --screenshot);
#   libxml2-utils  — xmllint; tests/schemas.rs validates the JUnit report against the vendored XSD.
# Those tests fail (never skip) when a tool is missing, so scripts/test.sh runs this first.
# Idempotent: `apt-get update` and `apt-get install` run only when something is missing.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# A font, so the text of screenshots is legible (the DOM checks do not need one).
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "setup-test-tools: chromium, xmllint and a font already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "setup-test-tools: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
command -v chromium >/dev/null && chromium --version
command -v xmllint >/dev/null && xmllint --version 2>&1 | head -n 1
