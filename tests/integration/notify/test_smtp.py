"""E-mail through SmtpEmailSender against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
import time
from email import policy
from typing import List, Tuple

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.notify import DeliveryStatus, SmtpEmailSender


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler: records envelopes; answers RCPT per ``replies`` (address → SMTP status line)."""

    def __init__(self) -> None:
        self.envelopes: List[Tuple[str, List[str], bytes]] = []
        self.replies: dict = {}
        self.rcpt_calls = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001
        self.rcpt_calls += 1
        reply = self.replies.get(address)
        if isinstance(reply, list):
            reply = reply.pop(0) if reply else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, recorder
    finally:
        controller.stop()


def self_signed(tmp_path) -> Tuple[ssl.SSLContext, ssl.SSLContext]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


def sender_for(controller, **kwargs) -> SmtpEmailSender:
    kwargs.setdefault("sleep", lambda _s: None)
    return SmtpEmailSender(controller.hostname, controller.port, "privacy-desk@example.com", timeout=5, **kwargs)


def test_email_is_delivered_with_headers_and_utf8_body(smtp_server):
    controller, recorder = smtp_server
    delivery = sender_for(controller).send_email("ada.demo@example.com", "Your code", "Code 123456 — Grüße")
    assert delivery.status is DeliveryStatus.SENT and delivery.ok and delivery.attempts == 1
    mail_from, rcpt_tos, content = recorder.envelopes[0]
    assert (mail_from, rcpt_tos) == ("privacy-desk@example.com", ["ada.demo@example.com"])
    message = email.message_from_bytes(content, policy=policy.default)
    assert message["Subject"] == "Your code" and message["To"] == "ada.demo@example.com"
    assert message["Message-ID"] == delivery.message_id and message["Auto-Submitted"] == "auto-generated"
    assert "Code 123456 — Grüße" in message.get_content()


def test_starttls_is_used_when_configured(smtp_server, tmp_path):
    server_ctx, client_ctx = self_signed(tmp_path)
    recorder = Recorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        server_kwargs={"tls_context": server_ctx, "require_starttls": True},
    )
    controller.start()
    try:
        plain = sender_for(controller, max_attempts=1).send_email("ada.demo@example.com", "s", "b")
        assert plain.status is DeliveryStatus.FAILED and recorder.envelopes == []
        secure = sender_for(controller, starttls=True, ssl_context=client_ctx).send_email(
            "ada.demo@example.com", "s", "b"
        )
        assert secure.status is DeliveryStatus.SENT and len(recorder.envelopes) == 1
    finally:
        controller.stop()


def test_permanent_rejection_is_not_retried(smtp_server):
    controller, recorder = smtp_server
    recorder.replies["gone@example.com"] = "550 5.1.1 No such user"
    delivery = sender_for(controller).send_email("gone@example.com", "s", "b")
    assert (delivery.status, delivery.error, delivery.attempts) == (DeliveryStatus.FAILED, "smtp_550", 1)
    assert recorder.rcpt_calls == 1


def test_temporary_rejection_is_retried(smtp_server):
    controller, recorder = smtp_server
    recorder.replies["busy@example.com"] = ["451 4.3.0 Try again later"]
    sleeps: List[float] = []
    delivery = sender_for(controller, sleep=sleeps.append).send_email("busy@example.com", "s", "b")
    assert delivery.status is DeliveryStatus.SENT and delivery.attempts == 2
    assert sleeps == [0.5]


def test_unreachable_server_fails_after_retries():
    delivery = SmtpEmailSender("127.0.0.1", free_port(), "pd@example.com", timeout=2, sleep=lambda _s: None).send_email(
        "ada.demo@example.com", "s", "b"
    )
    assert (delivery.status, delivery.error, delivery.attempts) == (DeliveryStatus.FAILED, "network", 3)


def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)  # accepts the TCP handshake, never sends a greeting
        port = silent.getsockname()[1]
        started = time.monotonic()
        delivery = SmtpEmailSender(
            "127.0.0.1", port, "pd@example.com", timeout=0.5, max_attempts=2, sleep=lambda _s: None
        ).send_email("ada.demo@example.com", "s", "b")
        elapsed = time.monotonic() - started
    assert delivery.status is DeliveryStatus.FAILED and delivery.error == "network"
    assert elapsed < 5


def test_from_settings_reads_the_smtp_variables(environ):
    from bot.settings import settings_from_environ

    environ.update(
        SMTP_HOST="smtp.example.com",
        SMTP_PORT="2525",
        SMTP_SENDER="desk@example.com",
        SMTP_STARTTLS="yes",
        SMTP_USERNAME="user",
        SMTP_PASSWORD="pw",
        SMTP_TIMEOUT="3",
    )
    sender = SmtpEmailSender.from_settings(settings_from_environ(environ))
    assert (sender.host, sender.port, sender.sender, sender.starttls, sender.username, sender.timeout) == (
        "smtp.example.com",
        2525,
        "desk@example.com",
        True,
        "user",
        3.0,
    )


@pytest.mark.parametrize("name, value", [("SMTP_TIMEOUT", "soon"), ("SMTP_TIMEOUT", "0"), ("SMTP_STARTTLS", "maybe")])
def test_malformed_smtp_variables_are_named_in_the_error(environ, name, value):
    from bot.settings import SettingsError, settings_from_environ

    environ[name] = value
    with pytest.raises(SettingsError, match=name):
        SmtpEmailSender.from_settings(settings_from_environ(environ))
