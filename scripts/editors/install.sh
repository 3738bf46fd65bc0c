#!/usr/bin/env bash
# Installs what the editor tests need:
#
# - Neovim, the real editor that tests/lsp_neovim.rs drives as a language
#   client (Debian's package: Neovim 0.7);
# - the npm packages of editors/vscode (vscode-textmate and vscode-oniguruma,
#   which tests/editor_vscode.rs uses to tokenize the examples with the
#   extension's TextMate grammar, and the extension's own language client),
#   from editors/vscode/package-lock.json into editors/vscode/node_modules.
#
# Idempotent and quick when already installed: apt runs only when `nvim` is
# missing, and npm only when the lock file changed since the last install.
# scripts/test.sh runs it before `cargo test`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
extension="$root/editors/vscode"
stamp="$extension/node_modules/.journey-package-lock"

# A clean CI machine runs as root with apt: install what is missing there.
# Anywhere else, say what to install.
can_apt() {
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null
}
if ! command -v nvim >/dev/null && can_apt; then
    echo "editors: installing neovim with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        neovim >/dev/null
fi
if ! command -v nvim >/dev/null; then
    echo "editors: nvim is missing (Debian: apt-get install -y neovim)" >&2
    exit 1
fi
if ! command -v npm >/dev/null && can_apt; then
    echo "editors: installing nodejs and npm with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        nodejs npm >/dev/null
fi
if ! command -v npm >/dev/null; then
    echo "editors: node and npm are missing (Debian: apt-get install -y nodejs npm)" >&2
    exit 1
fi
echo "editors: $(nvim --version | head -n 1), node $(node --version)"

if [ -f "$stamp" ] && cmp -s "$stamp" "$extension/package-lock.json"; then
    echo "editors: npm packages already installed in $extension/node_modules"
    exit 0
fi

echo "editors: installing npm packages into $extension/node_modules"
(cd "$extension" && npm ci --no-audit --no-fund --loglevel=error)
cp "$extension/package-lock.json" "$stamp"
echo "editors: installed"
