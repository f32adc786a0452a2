"""Secret feed tokens: a user's personal feed, or a manager's feed of an organisation's bookings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.organisations.models import Organisation

PERSONAL = "personal"
ORGANISATION = "organisation"


class FeedToken(db.Model):
    """The token in a feed's URL. Only its SHA-256 finds it; `sealed` keeps the token encrypted
    under the app's secret key so its owner can be shown the URL again (a database copy alone
    reveals no URL). Regenerating revokes the old row: its URL then answers 404."""

    __tablename__ = "feed_tokens"
    __table_args__ = (
        CheckConstraint(f"kind IN ('{PERSONAL}', '{ORGANISATION}')", name="kind"),
        CheckConstraint(
            f"(kind = '{PERSONAL}' AND organisation_id IS NULL)"
            f" OR (kind = '{ORGANISATION}' AND organisation_id IS NOT NULL)",
            name="subject",
        ),
        Index("ix_feed_tokens_owner", "user_id", "kind", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sealed: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<FeedToken {self.id} {self.kind}>"
