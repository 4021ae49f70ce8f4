"""Who is calling, by address: the client behind a reverse proxy on this host, and whether
that client is this machine. The per-IP limits (login, public endpoints) count the one;
`/metrics` answers the other without a token.

The service listens on 127.0.0.1 behind nginx on the same machine (README), so a loopback
peer is either a local program or that proxy; only the proxy's `X-Forwarded-For` tells
which. Any other peer could write that header, so it is believed from loopback only.
"""

from __future__ import annotations

from aiohttp import web

LOOPBACK = frozenset({"127.0.0.1", "::1"})
# Headers by which a proxy says it passed a request on. Only X-Forwarded-For is read for
# the address; the others alone still say the caller is not the proxy itself.
_PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def client_ip(request: web.Request) -> str:
    """The caller's address. Behind a reverse proxy on this host (the peer is loopback),
    the address that proxy appended to X-Forwarded-For; otherwise the peer itself, since
    anyone else could write that header."""
    peer = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and peer in LOOPBACK:
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


def from_this_machine(request: web.Request) -> bool:
    """Whether the caller runs on this host: a loopback peer that is no proxy passing on
    someone else's request, or one whose proxy names a loopback client. A proxy that says
    it forwarded (X-Real-IP, Forwarded) without naming the client in X-Forwarded-For
    counts as someone else: fail closed."""
    if request.remote not in LOOPBACK:
        return False
    if request.headers.get("X-Forwarded-For", "").strip():
        return client_ip(request) in LOOPBACK
    return not any(name in request.headers for name in _PROXY_HEADERS)
