"""Security headers, same-origin websockets, client addresses, bearer tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

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
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
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
