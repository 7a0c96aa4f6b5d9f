"""Quotas: how often something may happen to one subject (a phone) in a time window.

Every step is one conditional statement in the database, so racing claims never pass a
limit, whichever server process makes them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from authsvc.models import Quota


@dataclass(frozen=True)
class QuotaRule:
    """At most ``limit`` of ``kind`` per subject in a ``window`` that starts with the first."""

    kind: str
    limit: int
    window: timedelta


class QuotaRepository:
    """Quota counters, stored through SQLAlchemy."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def claim(self, rule: QuotaRule, subject: str, now: datetime) -> datetime | None:
        """Use one unit; None if it fits, else when the subject's window ends."""
        with contextlib.suppress(IntegrityError), self._sessions.begin() as session:
            # The row exists after this, made by us or by someone before us.
            session.add(Quota(kind=rule.kind, subject=subject, window_started_at=now, used=0))

        restart = (
            update(Quota)
            .where(*self._of(rule, subject), Quota.window_started_at <= now - rule.window)
            .values(window_started_at=now, used=1)
        )
        count = (
            update(Quota)
            .where(*self._of(rule, subject), Quota.window_started_at > now - rule.window)
            .where(Quota.used < rule.limit)
            .values(used=Quota.used + 1)
        )
        if self._changed(restart) or self._changed(count):
            return None
        return self.blocked_until(rule, subject, now)

    def release(self, rule: QuotaRule, subject: str) -> None:
        """Give back a unit that was claimed for something that did not happen."""
        self._changed(
            update(Quota)
            .where(*self._of(rule, subject), Quota.used > 0)
            .values(used=Quota.used - 1)
        )

    def blocked_until(self, rule: QuotaRule, subject: str, now: datetime) -> datetime | None:
        """When the subject's window ends if its quota is used up, else None."""
        query = select(Quota.window_started_at, Quota.used).where(*self._of(rule, subject))
        with self._sessions() as session:
            row = session.execute(query).one_or_none()
        if row is None:
            return None
        started: datetime = row.window_started_at
        if row.used < rule.limit or started <= now - rule.window:
            return None
        return started + rule.window

    @staticmethod
    def _of(rule: QuotaRule, subject: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        return Quota.kind == rule.kind, Quota.subject == subject

    def _changed(self, statement: object) -> bool:
        with self._sessions.begin() as session:
            result = session.execute(statement)  # type: ignore[call-overload]
            return int(getattr(result, "rowcount", 0)) == 1
