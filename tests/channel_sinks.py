"""Local sinks for the channel tests: a real SMTP server (aiosmtpd, optionally with TLS and
login) and a real HTTP server that records what it is sent and answers as told."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 / localhost and its key (cryptography)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Inbox:
    """An aiosmtpd handler: keeps each message; refuses recipients listed in ``refuse``."""

    refuse: set[str] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


class SmtpSink:
    """``with SmtpSink(mode=…) as sink``: mode ``plain``, ``starttls`` or ``ssl``; with
    ``login``, the credentials user/secret are required."""

    def __init__(
        self, tmp: Path, *, mode: str = "plain", login: bool = False, refuse: set[str] | None = None
    ) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.inbox = Inbox(refuse=refuse or set())
        self.port = free_port()
        self.cert, key = self_signed(tmp) if mode != "plain" else (None, None)
        kw: dict[str, Any] = {}
        if mode != "plain":
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(self.cert), str(key))
            if mode == "starttls":
                kw["tls_context"] = ctx
                kw["require_starttls"] = True
            else:
                kw["ssl_context"] = ctx
        if login:
            inbox = self.inbox

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> Any:
                ok = data.login == b"user" and data.password == b"secret"
                if ok:
                    inbox.logins.append(data.login.decode())
                # handled=False: aiosmtpd answers 535 itself (True would leave it to us).
                return AuthResult(success=ok, handled=False)

            kw["authenticator"] = authenticate
            # aiosmtpd does not see implicit TLS (ssl) as TLS: requiring TLS for AUTH would
            # hide AUTH there, and requiring AUTH without TLS warns. The login is still checked.
            kw["auth_required"] = mode == "starttls"
            kw["auth_require_tls"] = mode == "starttls"
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kw)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class HttpSink:
    """A real HTTP server on 127.0.0.1 recording requests; ``reply`` decides the answer:
    ``(status, json_body)`` for each request."""

    def __init__(self, reply: Any = None) -> None:
        self.requests: list[Request] = []
        self.reply = reply or (lambda req: (200, {"errcode": 0, "errmsg": "ok"}))
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                req = Request(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw) if raw else None,
                )
                sink.requests.append(req)
                status, body = sink.reply(req)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HttpSink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def delivery_report(message_id: str, rcpt: str) -> bytes:
    """A delivery-status report (RFC 3464) as relays send them."""
    return (
        "From: MAILER-DAEMON@relay.example\r\nTo: survey@cxm.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {message_id}\r\nTo: {rcpt}\r\nSubject: Survey\r\n\r\n--B--\r\n"
    ).encode()
