#!/usr/bin/env bash
# Installs the independent DKIM verifier the mail tests use: a Python venv
# with dkimpy (and PyNaCl for Ed25519) under target/dkim-verify-venv, and
# checks that openssl (to make throwaway RSA keys) is there.
#
# Quick when already installed (see scripts/lib/python-venv.sh).
# scripts/test.sh runs it before `cargo test`; run it yourself once before
# `cargo test -p journey-runtime --test mail_dkim`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/lib/python-venv.sh"

require_python dkim-verify with-openssl
install_venv dkim-verify "$root/target/dkim-verify-venv" "$here/requirements.txt" \
    python -c "import dkim, nacl"
