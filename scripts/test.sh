#!/usr/bin/env bash
# The project's test command: installs what the tests run against (the
# SMTP sink of the mail tests: a Python venv with aiosmtpd, and openssl; the
# DKIM verifier, dkimpy in a venv; the editor tests' Neovim and npm
# packages; schemathesis, which fuzzes the HTTP API), then runs every test
# of the workspace. Quick to repeat: the install step does nothing when
# everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/smtp-sink/install.sh
bash scripts/dkim-verify/install.sh
bash scripts/editors/install.sh
bash scripts/schemathesis/install.sh
cargo test --workspace "$@"
