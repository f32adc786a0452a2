"""Handing emails to an SMTP server, and telling apart "it did not take it" from "it may have".

Before the DATA command nothing can have been delivered, so any failure there is a refusal
(`Refused`: try again later when temporary). Once the message is being handed over, a lost
connection or a timeout leaves it unknown whether the server took it (`Uncertain`): the outbox
then never sends it again. Only the server's own "not taken" reply after DATA (an SMTP 4xx/5xx)
is a refusal there.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from types import TracebackType
from urllib.parse import unquote, urlsplit


class Refused(Exception):  # noqa: N818 - an outcome, not a bug
    """The server did not take the message (or could not be reached): nothing was delivered."""

    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.temporary = temporary


class Uncertain(Exception):  # noqa: N818
    """The connection failed while the message was handed over: it may or may not have arrived."""


class ClaimLost(Exception):  # noqa: N818
    """The sender no longer holds the message (another took it over): nothing was handed over."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str  # "starttls" (when the server offers it), "ssl" (from the start)
    username: str | None
    password: str | None
    timeout: float


def parse_smtp_url(url: str, *, timeout: float = 30.0) -> SmtpSettings:
    """smtp://user:password@host:587 (STARTTLS when offered) or smtps://user:password@host:465."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
    tls = "ssl" if parts.scheme == "smtps" else "starttls"
    port = parts.port or (465 if tls == "ssl" else 25)
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return SmtpSettings(parts.hostname, port, tls, username, password, timeout)


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {words}"[:300]


class Mailer:
    """One SMTP connection, opened on first use and reused for a batch (`with Mailer(...) as m`)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.tls == "starttls" and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except (smtplib.SMTPException, OSError) as error:
            raise Refused(f"cannot reach the SMTP server: {error}"[:300], temporary=True) from error
        return smtp

    def send(self, message: EmailMessage, *, sender: str, recipient: str, before_data: Callable[[], bool]) -> None:
        """Hand one message over. `before_data` runs once the server has accepted the envelope and
        before DATA: it records that the message is being handed over, and False stops here."""
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                self._reset()
                raise Refused(_reply(code, text), temporary=400 <= code < 500)
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                raise Refused(_reply(code, text), temporary=400 <= code < 500)
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise Refused(f"the SMTP connection failed before DATA: {error}"[:300], temporary=True) from error
        if not before_data():
            self._reset()
            raise ClaimLost()
        try:
            code, text = smtp.data(message.as_bytes(policy=SMTP_POLICY))
        except smtplib.SMTPDataError as error:  # the server's own answer to DATA: it did not take it
            self._reset()
            raise Refused(_reply(error.smtp_code, error.smtp_error), temporary=400 <= error.smtp_code < 500) from error
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise Uncertain(f"the SMTP connection failed during DATA: {error}"[:300]) from error
        if code != 250:  # the server's own answer to the message: it did not take it
            self._reset()
            raise Refused(_reply(code, text), temporary=400 <= code < 500)

    def _reset(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()
