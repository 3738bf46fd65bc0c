"""Checks DKIM signatures with dkimpy, an implementation independent of
journey's (lettre's), without any DNS: the public key record comes from the
command line through dkimpy's `dnsfunc` hook.

    verify.py --record NAME=TXT MESSAGE.eml...
        For each message, one line: `PASS <file> d=<domain> s=<selector>
        c=<canonicalization> h=<signed headers>` or `FAIL <file>: <reason>`.
        Exits 0 when every message passed, 1 otherwise. NAME is the DNS
        name looked up (`selector._domainkey.domain`), TXT the record
        (`v=DKIM1; k=rsa; p=...`). A lookup of any other name fails.

    verify.py ed25519-key
        Prints a new Ed25519 key pair: the private seed and the public key,
        each base64 on its own line (for a test's key and DNS record).
"""

import argparse
import base64
import logging
import sys

import dkim


class Reasons(logging.Handler):
    """Keeps what dkimpy logs, to say why a signature failed."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def tags(message):
    """The DKIM-Signature's tags, as dkimpy reads them."""
    signature = None
    for name, value in dkim.rfc822_parse(message)[0]:
        if name.lower() == b"dkim-signature":
            signature = value
            break
    if signature is None:
        return {}
    parsed = dkim.util.parse_tag_value(signature)
    return {k.decode(): v.decode() for k, v in parsed.items()}


def verify(paths, records):
    def lookup(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        key = key.rstrip(".")
        if key not in records:
            raise dkim.DnsException("no record for %s in this test" % key)
        return records[key].encode()

    every_pass = True
    for path in paths:
        with open(path, "rb") as file:
            message = file.read()
        reasons = Reasons()
        logger = logging.getLogger("dkim-verify-%s" % path)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(reasons)
        ok = dkim.verify(message, logger=logger, dnsfunc=lookup)
        found = tags(message)
        if ok:
            print(
                "PASS %s d=%s s=%s c=%s h=%s"
                % (path, found.get("d"), found.get("s"), found.get("c"), found.get("h"))
            )
        else:
            every_pass = False
            why = "; ".join(reasons.lines[-3:]) or "signature did not verify"
            print("FAIL %s: %s" % (path, why))
    return every_pass


def ed25519_key():
    import nacl.signing

    key = nacl.signing.SigningKey.generate()
    print(base64.b64encode(bytes(key)).decode())
    print(base64.b64encode(bytes(key.verify_key)).decode())


def main():
    if sys.argv[1:2] == ["ed25519-key"]:
        ed25519_key()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="append", default=[], metavar="NAME=TXT")
    parser.add_argument("messages", nargs="+")
    args = parser.parse_args()
    records = {}
    for record in args.record:
        name, _, text = record.partition("=")
        records[name.rstrip(".")] = text
    return 0 if verify(args.messages, records) else 1


if __name__ == "__main__":
    sys.exit(main())
