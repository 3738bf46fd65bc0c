#!/usr/bin/env bash
# Installs schemathesis (property-based fuzzing of an API from its OpenAPI
# document) in a Python venv under target/schemathesis-venv, for
# tests/serve_fuzz.rs. scripts/test.sh runs it before `cargo test`.
#
# Idempotent and quick when already installed: the venv is rebuilt only when
# requirements.txt changed or the venv is broken. Needs python3 with venv,
# which scripts/smtp-sink/install.sh installs on a clean Debian machine.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/schemathesis-venv"
requirements="$here/requirements.txt"
stamp="$venv/.journey-requirements"

if ! python3 -c "import ensurepip, venv" 2>/dev/null; then
    echo "schemathesis: python3 with venv is missing (Debian: apt-get install -y python3-venv)" >&2
    exit 1
fi

if [ -f "$stamp" ] && cmp -s "$stamp" "$requirements" && [ -x "$venv/bin/st" ] \
    && "$venv/bin/st" --version >/dev/null 2>&1; then
    echo "schemathesis: already installed in $venv"
    exit 0
fi

echo "schemathesis: installing into $venv"
rm -rf "$venv"
mkdir -p "$root/target"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input -r "$requirements"
cp "$requirements" "$stamp"
echo "schemathesis: installed"
