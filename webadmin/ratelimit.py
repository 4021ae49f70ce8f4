"""A sliding-window counter per key (an IP address), in this process's memory, timed by
the injected clock. Used for failed logins per IP (and per account and IP) and for the
public endpoints; the per-username lockout lives in the database (users.locked_until)
and holds across processes."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from aiohttp import web


class SlidingWindow:
    def __init__(self, limit: int, window: timedelta, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:  # forget the quietest keys first
                for stale in [k for k, v in self._hits.items() if not v or v[-1] < now - self.window]:
                    del self._hits[stale]
                if len(self._hits) >= self.max_keys:
                    self._hits.pop(next(iter(self._hits)))
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def blocked(self, key: str, now: datetime) -> bool:
        return len(self._recent(key, now)) >= self.limit

    def seen(self, key: str, now: datetime) -> bool:
        """Any event of the key within the window."""
        return bool(self._recent(key, now))

    def hit(self, key: str, now: datetime) -> bool:
        """Count one event; True when the key is now over its limit."""
        hits = self._recent(key, now)
        hits.append(now)
        return len(hits) > self.limit

    def retry_after(self, key: str, now: datetime) -> timedelta:
        hits = self._recent(key, now)
        return (hits[0] + self.window - now) if hits else timedelta(0)


# Failed logins per IP: beyond this, every login from that address waits.
LOGIN_FAILURES = web.AppKey("login_failures", SlidingWindow)
# Failed logins for a username no account has: it "locks" after as many tries as a real
# account does, so the answers do not tell which usernames exist.
UNKNOWN_USERNAMES = web.AppKey("unknown_usernames", SlidingWindow)
# Failed logins per account and address: a locked account still opens, with the right
# password, for an address that has not failed against it (the lock stops the guesser,
# not the owner at another desk).
ACCOUNT_ADDRESS_FAILURES = web.AppKey("account_address_failures", SlidingWindow)
# Public endpoints (OTP requests, status look-ups) per IP.
PUBLIC_REQUESTS = web.AppKey("public_requests", SlidingWindow)


def setup_limits(app: web.Application) -> None:
    app[LOGIN_FAILURES] = SlidingWindow(limit=20, window=timedelta(minutes=15))
    app[PUBLIC_REQUESTS] = SlidingWindow(limit=120, window=timedelta(minutes=10))
    app[UNKNOWN_USERNAMES] = SlidingWindow(limit=5, window=timedelta(minutes=15))
    app[ACCOUNT_ADDRESS_FAILURES] = SlidingWindow(limit=1, window=timedelta(minutes=15))
