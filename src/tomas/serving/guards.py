"""What stands between a client and the model: the body limit on the bytes actually read, the API key, the
access log and the request metrics. No request body and no key ever reaches a log line."""

from __future__ import annotations

import hmac
import logging
import time

from tomas.plans import SCHEMA_VERSION

access_log = logging.getLogger("tomas.serve.access")
OPEN_PATHS = ("/healthz",)
"""Answered without the API key (liveness probes carry no credentials)."""


def error_response(status: int, message: str, headers: dict | None = None):
    """The one error shape of every status: ``{"schema_version", "error"}``."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"schema_version": SCHEMA_VERSION, "error": message}, status, headers=headers)


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` is answered 413 as soon as that many bytes have been
    read, whether a Content-Length announced it or not (chunked bodies too); a body within the limit is
    handed on unchanged."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        too_big = error_response(413, f"body: larger than {self.max_bytes} bytes")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await too_big(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size, more = size + len(chunks[-1]), message.get("more_body", False)
            if size > self.max_bytes:
                return await too_big(scope, receive, send)
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replayed():
            return replay.pop() if replay else await receive()

        await self.app(scope, replayed, send)


def route_label(request) -> str:
    """The matched route's template (``/v1/plan``), or ``unmatched``: a bounded set of metric labels."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def authorised(request, api_key: str | None) -> bool:
    if api_key is None or request.url.path in OPEN_PATHS:
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), api_key.encode())


def add_guards(app, metrics, api_key: str | None, log: logging.Logger) -> None:
    """The API key (401 without it), one error shape (404, 405, 422, 500, 503), metrics by route template and an
    access log line per request."""
    from fastapi import Request

    @app.middleware("http")
    async def guard(request: Request, call_next):
        t0 = time.perf_counter()
        if not authorised(request, api_key):
            response = error_response(401, "unauthorised: send the API key as 'Authorization: Bearer <key>'",
                                      {"WWW-Authenticate": "Bearer"})
        else:
            try:
                response = await call_next(request)
            except Exception:  # noqa: BLE001 - the traceback goes to the log, never to the client
                log.exception("unhandled error on %s", request.url.path)
                response = error_response(500, "internal error")
        seconds, label = time.perf_counter() - t0, route_label(request)
        metrics.requests.labels(label, str(response.status_code)).inc()
        metrics.latency.labels(label).observe(seconds)
        client = request.client.host if request.client else "-"
        access_log.info('%s "%s %s" %d %.1f ms', client, request.method, request.url.path, response.status_code,
                        seconds * 1000)
        return response

    add_error_handlers(app)


def add_error_handlers(app) -> None:
    """FastAPI's and the batcher's errors in the service's one error shape."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    from tomas.requests import error_message
    from tomas.serving.batcher import Overloaded

    @app.exception_handler(RequestValidationError)
    async def invalid(_request, exc: RequestValidationError):
        return error_response(422, error_message(exc.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(request, exc: HTTPException):
        message = {404: f"no such endpoint: {request.url.path}",
                   405: f"method {request.method} not allowed on {request.url.path}"}.get(exc.status_code,
                                                                                         str(exc.detail))
        return error_response(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(Overloaded)
    async def overloaded(_request, _exc):
        return error_response(503, "overloaded: the queue is full, retry later", {"Retry-After": "1"})
