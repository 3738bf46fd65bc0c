#!/usr/bin/env bash
# Makes a throwaway certificate authority and a server certificate it signs,
# for `localhost` and `127.0.0.1`, into the folder given (created if needed):
#
#   ca.pem          the authority's certificate (give it to the client)
#   server.pem      the server's certificate (CA:FALSE, serverAuth)
#   server.key      the server's private key
#
# A plain self-signed certificate does not do: rustls refuses a certificate
# marked CA:TRUE as a server's own (`CaUsedAsEndEntity`), so tests need a
# separate authority and leaf, as real deployments have. Keys are P-256 (fast
# to make); everything is valid for two days and meant to be thrown away.
# Each authority gets its own name, so a client that trusts another one
# fails with "unknown issuer", as it would against a stranger's server.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 FOLDER" >&2
    exit 2
fi
if ! command -v openssl >/dev/null; then
    echo "make-certs.sh: openssl is missing; run scripts/smtp-sink/install.sh" >&2
    exit 1
fi

out="$1"
mkdir -p "$out"
cd "$out"

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout ca.key -out ca.pem -days 2 -subj "/CN=journey test CA $$ $RANDOM" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null

cat > server.ext <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.pem -days 2 -extfile server.ext 2>/dev/null

rm -f server.csr server.ext ca.srl
