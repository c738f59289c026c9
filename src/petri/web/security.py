"""Who may use the dashboard: loopback by default, a token anywhere else.

``petri dashboard`` binds 127.0.0.1 unless told otherwise; binding another address requires a
token (generated and printed once, or given). With a token, every request must carry it: an
``Authorization: Bearer`` header (the API), or the ``petri_token`` cookie that a first visit
with ``?token=`` sets (the pages; the cookie is HttpOnly and SameSite=Strict, and the address
bar is cleaned by a redirect). Tokens are compared in constant time and never echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

COOKIE = "petri_token"


def needs_token(host: str) -> bool:
    """True unless ``host`` is a loopback address or ``localhost``."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name: it may resolve anywhere


def new_token() -> str:
    return secrets.token_urlsafe(24)


class TokenGuard:
    """The middleware that checks the token (none configured: everything passes)."""

    def __init__(self, token: str | None) -> None:
        self.token = token

    def allows(self, given: str | None) -> bool:
        if self.token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if self.token is None:
            return await call_next(request)
        offered = request.query_params.get("token")
        if offered is not None and self.allows(offered):
            clean = request.url.remove_query_params("token")
            answer = RedirectResponse(str(clean), status_code=303)
            answer.set_cookie(COOKIE, offered, httponly=True, samesite="strict")
            return answer
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else None
        if self.allows(bearer) or self.allows(request.cookies.get(COOKIE)):
            return await call_next(request)
        return JSONResponse(
            {"error": "a token is required: open the address petri dashboard printed"},
            status_code=401,
        )
