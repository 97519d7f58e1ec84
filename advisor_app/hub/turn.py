"""ICE servers for the clients, with time-limited TURN credentials.

The TURN REST scheme (draft-uberti-behave-turn-rest, as coturn's ``use-auth-secret``):
username ``<expiry unix time>:<id>``, password base64(HMAC-SHA1(secret, username)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from advisor_app.protocol.common import IceServer


def turn_credentials(secret: str, identity: str, now: float, ttl_seconds: int) -> tuple[str, str]:
    username = f"{int(now) + ttl_seconds}:{identity}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers_for(
    identity: str,
    now: float,
    *,
    stun_urls: list[str],
    turn_urls: list[str],
    turn_secret: str | None,
    turn_ttl_seconds: int,
) -> list[IceServer]:
    """The list a client passes to its peer connection (possibly empty: loopback, LAN)."""
    servers: list[IceServer] = []
    if stun_urls:
        servers.append(IceServer(urls=list(stun_urls)))
    if turn_urls and turn_secret:
        username, credential = turn_credentials(turn_secret, identity, now, turn_ttl_seconds)
        servers.append(IceServer(urls=list(turn_urls), username=username, credential=credential))
    return servers
