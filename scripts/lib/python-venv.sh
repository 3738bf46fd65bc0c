# Sourced by the install scripts of the Python tools the tests run against
# (the SMTP sink, the DKIM verifier, schemathesis): each keeps its packages
# in a venv of its own under target/, rebuilt only when its requirements.txt
# changed or the venv no longer works, so a second run is quick.

# Makes sure python3 with venv (and openssl, when `with-openssl` is given)
# is there. A clean CI machine runs as root with apt: what is missing is
# installed there. Anywhere else, says what to install and fails.
require_python() {
    local name="$1" openssl="${2:-}"
    local missing=0
    if [ "$openssl" = with-openssl ] && ! command -v openssl >/dev/null; then
        missing=1
    fi
    if ! command -v python3 >/dev/null || ! python3 -c "import ensurepip, venv" 2>/dev/null; then
        missing=1
    fi
    if [ "$missing" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "$name: installing openssl and python3-venv with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            openssl python3 python3-venv >/dev/null
    fi
    if [ "$openssl" = with-openssl ] && ! command -v openssl >/dev/null; then
        echo "$name: openssl is missing (Debian: apt-get install -y openssl)" >&2
        exit 1
    fi
    if ! python3 -c "import ensurepip, venv" 2>/dev/null; then
        echo "$name: python3 with venv is missing (Debian: apt-get install -y python3-venv)" >&2
        exit 1
    fi
}

# install_venv NAME VENV REQUIREMENTS CHECK...: installs REQUIREMENTS into
# the venv at VENV unless it was installed from the same file and CHECK (a
# command, run with the venv's bin/ first on PATH) succeeds.
install_venv() {
    local name="$1" venv="$2" requirements="$3"
    shift 3
    local stamp="$venv/.journey-requirements"

    if [ -f "$stamp" ] && cmp -s "$stamp" "$requirements" \
        && PATH="$venv/bin:$PATH" "$@" >/dev/null 2>&1; then
        echo "$name: already installed in $venv"
        return 0
    fi

    echo "$name: installing into $venv"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -r "$requirements"
    cp "$requirements" "$stamp"
    echo "$name: installed"
}
