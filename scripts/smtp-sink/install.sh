#!/usr/bin/env bash
# Installs what the mail tests need: a Python venv with aiosmtpd (the test
# SMTP server `sink.py` runs on it) under target/smtp-sink-venv, and checks
# that openssl (for throwaway certificates) is there.
#
# Quick when already installed (see scripts/lib/python-venv.sh). CI runs it
# before `cargo test`; run it yourself once before `cargo test -p journey-runtime`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/lib/python-venv.sh"

require_python smtp-sink with-openssl
install_venv smtp-sink "$root/target/smtp-sink-venv" "$here/requirements.txt" \
    python -c "import aiosmtpd"
