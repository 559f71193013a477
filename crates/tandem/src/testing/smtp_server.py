"""A throw-away SMTP server on loopback for tandem's mail tests (aiosmtpd).

    python smtp_server.py OUT_DIR [--auth USER:PASSWORD] [--cert CERT KEY] [--implicit-tls]

Listens on 127.0.0.1 at a port the system picks and prints that port on the
first line of standard output. Each accepted message is written to
OUT_DIR/N.eml (the DATA as received) with OUT_DIR/N.json beside it (envelope
sender, recipients, the authenticated login, whether the session was
encrypted, and the message as Python's email parser reads it: subject,
from, to, reply-to, text and HTML bodies, parse defects). With --auth, AUTH PLAIN/LOGIN with that user is required (over
plain text too); with --cert, STARTTLS is offered and required, or with
--implicit-tls the connection is TLS from the first byte. Exits when its
standard input closes, so it never outlives the test that started it.
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--auth")
    parser.add_argument("--cert", nargs=2)
    parser.add_argument("--implicit-tls", action="store_true")
    args = parser.parse_args()
    counter = itertools.count(1)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            n = next(counter)
            with open(os.path.join(args.out, f"{n}.eml"), "wb") as f:
                f.write(envelope.original_content or envelope.content)
            parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
            text = parsed.get_body(preferencelist=("plain",))
            html = parsed.get_body(preferencelist=("html",))
            auth = session.auth_data
            login = auth.login.decode() if isinstance(auth, LoginPassword) else None
            meta = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "login": login,
                "tls": session.ssl is not None,
                "subject": str(parsed["subject"]),
                "from": str(parsed["from"]),
                "to": [str(a) for a in parsed["to"].addresses],
                "reply_to": str(parsed["reply-to"]) if parsed["reply-to"] else None,
                "text": text.get_content() if text is not None else None,
                "html": html.get_content() if html is not None else None,
                "defects": [type(d).__name__ for part in parsed.walk() for d in part.defects],
            }
            # Written aside, then renamed: a reader sees the whole file or none.
            partial = os.path.join(args.out, f"{n}.json.partial")
            with open(partial, "w") as f:
                json.dump(meta, f)
            os.replace(partial, os.path.join(args.out, f"{n}.json"))
            return "250 Message accepted for delivery"

    user = password = None
    if args.auth:
        user, password = args.auth.split(":", 1)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.cert)
    starttls = context is not None and not args.implicit_tls

    def factory():
        return SMTP(
            Handler(),
            hostname="tandem-test-smtp",
            tls_context=context if starttls else None,
            require_starttls=starttls,
            authenticator=authenticator if user else None,
            auth_required=bool(user),
            auth_require_tls=False,
        )

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, sock=sock, ssl=context if args.implicit_tls else None
        )
        print(sock.getsockname()[1], flush=True)
        await server.serve_forever()

    def exit_with_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=exit_with_stdin, daemon=True).start()
    asyncio.run(serve())


if __name__ == "__main__":
    main()
