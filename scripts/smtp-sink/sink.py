"""A throwaway SMTP server on 127.0.0.1 for journey's mail tests.

It wraps aiosmtpd's Controller so a test can start a real SMTP server with
exactly the behaviour it needs: STARTTLS required or implicit TLS or none,
AUTH with one user, recipients it rejects with a 550 or defers with a 450,
and every accepted message stored untouched as one file in a Maildir (what
the client sent, byte for byte, so headers such as Message-ID can be
checked).

It prints one line `READY <port>` on stdout once it accepts connections and
runs until it receives SIGTERM or SIGINT, or its standard input closes (so
it never outlives a test process that died without stopping it).
"""

import argparse
import itertools
import os
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    """Accepts mail for every recipient but the rejected and deferred ones."""

    def __init__(self, maildir, rejected, deferred):
        self.maildir = maildir
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        self.rejected = {address.lower() for address in rejected}
        self.deferred = {address.lower() for address in deferred}
        self.count = itertools.count()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return "550 5.1.1 Mailbox unavailable"
        if address.lower() in self.deferred:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Written by hand rather than with `mailbox.Maildir.add`, which would
        # turn CRLF into LF: the file holds exactly what the client sent.
        name = f"{time.time_ns()}.P{os.getpid()}Q{next(self.count)}.sink"
        temporary = os.path.join(self.maildir, "tmp", name)
        with open(temporary, "wb") as file:
            file.write(envelope.original_content or envelope.content)
        os.rename(temporary, os.path.join(self.maildir, "new", name))
        return "250 2.0.0 Message accepted"


class OneUser:
    """Accepts AUTH PLAIN and LOGIN for a single user and password."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        # `handled=False`: aiosmtpd itself answers a failure with 535.
        return AuthResult(success=ok, handled=False)


def tls_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument(
        "--tls",
        choices=["starttls", "implicit", "none"],
        default="starttls",
        help="starttls: offered and required before MAIL; implicit: TLS from the "
        "first byte; none: no TLS at all",
    )
    parser.add_argument("--cert", help="PEM certificate chain (needed unless --tls none)")
    parser.add_argument("--key", help="PEM private key (needed unless --tls none)")
    parser.add_argument("--auth-user", help="require AUTH as this user")
    parser.add_argument("--auth-password", default="")
    parser.add_argument(
        "--reject",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="answer RCPT TO for this address with 550 (repeatable)",
    )
    parser.add_argument(
        "--defer",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="answer RCPT TO for this address with 450 (repeatable)",
    )
    args = parser.parse_args()
    if args.tls != "none" and not (args.cert and args.key):
        parser.error("--cert and --key are needed for --tls starttls or implicit")
    return args


def controller_for(args):
    options = {
        "hostname": "127.0.0.1",
        "port": args.port,
        "server_hostname": "localhost",
    }
    if args.tls == "starttls":
        options["tls_context"] = tls_context(args.cert, args.key)
        options["require_starttls"] = True
    elif args.tls == "implicit":
        options["ssl_context"] = tls_context(args.cert, args.key)
    if args.auth_user:
        options["authenticator"] = OneUser(args.auth_user, args.auth_password)
        options["auth_required"] = True
        # aiosmtpd counts only STARTTLS as TLS; with implicit TLS, and with
        # none (to test a client told to skip TLS), AUTH is offered anyway.
        options["auth_require_tls"] = args.tls == "starttls"
    return Controller(Sink(args.maildir, args.reject, args.defer), **options)


def main():
    args = parse_args()
    controller = controller_for(args)
    controller.start()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    watcher = threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True)
    watcher.start()

    print(f"READY {args.port}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
