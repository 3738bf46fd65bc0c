#!/usr/bin/env bash
# Installs schemathesis (property-based fuzzing of an API from its OpenAPI
# document) in a Python venv under target/schemathesis-venv, for
# tests/serve_fuzz.rs. scripts/test.sh runs it before `cargo test`.
#
# Quick when already installed (see scripts/lib/python-venv.sh).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/lib/python-venv.sh"

require_python schemathesis
install_venv schemathesis "$root/target/schemathesis-venv" "$here/requirements.txt" \
    st --version
