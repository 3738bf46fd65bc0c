#!/usr/bin/env bash
# Installs the independent DKIM verifier the mail tests use: a Python venv
# with dkimpy (and PyNaCl for Ed25519) under target/dkim-verify-venv, and
# checks that openssl (to make throwaway RSA keys) is there.
#
# Idempotent and quick when already installed: the venv is rebuilt only when
# requirements.txt changed or the venv is broken. scripts/test.sh runs it
# before `cargo test`; run it yourself once before
# `cargo test -p journey-runtime --test mail_dkim`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/dkim-verify-venv"
requirements="$here/requirements.txt"
stamp="$venv/.journey-requirements"

# A clean CI machine runs as root with apt: install what is missing there.
# Anywhere else, say what to install.
need_system_packages() {
    ! command -v openssl >/dev/null || ! command -v python3 >/dev/null \
        || ! python3 -c "import ensurepip, venv" 2>/dev/null
}
if need_system_packages && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "dkim-verify: installing openssl and python3-venv with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openssl python3 python3-venv >/dev/null
fi
if ! command -v openssl >/dev/null; then
    echo "dkim-verify: openssl is missing (Debian: apt-get install -y openssl)" >&2
    exit 1
fi
if ! python3 -c "import ensurepip, venv" 2>/dev/null; then
    echo "dkim-verify: python3 with venv is missing (Debian: apt-get install -y python3-venv)" >&2
    exit 1
fi

if [ -f "$stamp" ] && cmp -s "$stamp" "$requirements" \
    && "$venv/bin/python" -c "import dkim, nacl" 2>/dev/null; then
    echo "dkim-verify: already installed in $venv"
    exit 0
fi

echo "dkim-verify: installing into $venv"
rm -rf "$venv"
mkdir -p "$root/target"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input -r "$requirements"
cp "$requirements" "$stamp"
echo "dkim-verify: installed"
