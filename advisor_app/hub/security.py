"""Security headers, same-origin websockets, client addresses, bearer tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

# The customer page loads nothing from anywhere else; media from blob: (own camera preview),
# images from data:/blob: (document pages arrive over data channels).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def security_headers_middleware(
    tls: bool,
) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            response = error
            _apply(response, tls)
            raise
        _apply(response, tls)
        return response

    return middleware


# Answered whatever the Host: a load balancer's or orchestrator's probe uses an address.
PROBES = frozenset({"/healthz", "/readyz"})


def allowed_hosts_middleware(
    hosts: frozenset[str] | None,
) -> Middleware:
    """Only requests for one of our own host names (DNS rebinding: a page of another site
    whose name now points at the hub would otherwise pass the Origin check, which compares
    with the Host it sent)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if hosts is not None and request.path not in PROBES:
            host = request_host(request)
            if host not in hosts:
                return web.json_response(
                    {
                        "error": {
                            "code": "misdirected",
                            "message": f"this hub does not answer to the host {host!r}: "
                            "add it to allowed_hosts (or public_origins)",
                        }
                    },
                    status=421,
                    headers={"Cache-Control": "no-store"},
                )
        return await handler(request)

    return middleware


def request_host(request: web.Request) -> str:
    """The Host header's name, lower case, without the port (``[::1]:8700`` -> ``::1``)."""
    host = (request.headers.get("Host") or "").strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _apply(response: web.StreamResponse, tls: bool) -> None:
    if response.prepared:
        return
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault(
        "Permissions-Policy", "camera=(self), microphone=(self), geolocation=(), payment=()"
    )
    if tls:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def own_origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def origin_allowed(
    request: web.Request, extra_origins: tuple[str, ...], trust_forwarded: bool = False
) -> bool:
    """Browsers send Origin on websockets; only our own page (or listed ones) may connect.

    Clients that are not browsers (the workstation) send no Origin and are let through: they
    authenticate with a token in their first message.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    origin = origin.rstrip("/").lower()
    allowed = {own_origin(request).lower(), *(item.rstrip("/").lower() for item in extra_origins)}
    if request.secure or request.scheme == "https":
        allowed.add(f"https://{request.host}".lower())
    if trust_forwarded:
        # Behind our own TLS proxy the hub sees http; the browser's origin is what the proxy
        # was asked for.
        scheme = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
        if scheme in ("http", "https") and host:
            allowed.add(f"{scheme}://{host}".lower())
    return origin in allowed


def client_address(request: web.Request, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.remote or "unknown"


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None
