"""A real SMTP server (aiosmtpd) on a free local port, recording what it is given; and email switched on."""

from __future__ import annotations

import email
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message


@dataclass
class Recorder:
    """aiosmtpd's handler: keeps each message; `rcpt_reply` / `data_reply` make it refuse instead, and
    `on_data` runs when a message has arrived whole, before the server answers."""

    received: list[Received] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None
    on_data: Callable[[], None] | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.original_content, policy=default_policy),
            )
        )
        if self.on_data is not None:
            self.on_data()
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    recorder: Recorder
    port: int
    url: str

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpServer]:
    """A running SMTP server, and the app's SMTP_URL pointing at it."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"smtp://127.0.0.1:{port}"
    app.config.update(SMTP_URL=url, SMTP_FROM="Linli <noreply@linli.test>", SMTP_TIMEOUT=5.0)
    try:
        yield SmtpServer(recorder, port, url)
    finally:
        controller.stop()
