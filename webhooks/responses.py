"""Error replies at the HTTP edge, in the shape Saleor and the app SDK expect."""

from __future__ import annotations

from starlette.responses import JSONResponse


def error_reply(status: int, code: str, message: str) -> JSONResponse:
    """`{"success": false, "error": {"code", "message"}}` with an HTTP status.

    Saleor shows `error.message` to the installing staff user.
    """
    body = {"success": False, "error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status)
