"""The FastAPI app around a loaded planner: routes, a docs page that works offline, and the guards
(``tomas.serving.guards``: body limit, API key, one error shape, metrics, access log).

Concurrent requests are micro-batched into one forward pass (at most ``max_batch`` requests, waiting at
most ``max_wait_ms`` after the first); the queue in front of the model is bounded (``max_queue``) and
answers 503 with ``Retry-After`` when full. Every response carries ``schema_version`` and echoes the
request's ``id``; malformed requests get one 4xx message naming the field; no traceback reaches a client.
"""

# No `from __future__ import annotations`: FastAPI reads the request models (built from the settings)
# from the endpoints' annotations at run time.
import html
import logging
from contextlib import asynccontextmanager

from pydantic import BaseModel

from tomas.config.commands import ServeSettings
from tomas.plans import SCHEMA_VERSION
from tomas.requests import request_models
from tomas.serving.batcher import MicroBatcher
from tomas.serving.guards import BodyLimit, add_guards
from tomas.serving.metrics import Metrics

log = logging.getLogger("tomas.serve")


class ErrorBody(BaseModel):
    """Every error, whatever its status."""

    schema_version: int = SCHEMA_VERSION
    error: str


ERRORS = {status: {"model": ErrorBody, "description": what} for status, what in (
    (401, "missing or wrong API key (when the server has one)"), (413, "body over --max_body_bytes"),
    (422, "malformed request: one line naming the field"), (503, "queue full: retry after Retry-After seconds"))}


def create_app(planner, settings: ServeSettings | None = None, api_key: str | None = None):
    """The FastAPI app around a loaded planner (``tomas.inference.LoadedPlanner``); ``api_key``: every endpoint
    but ``/healthz`` then needs ``Authorization: Bearer <api_key>``."""
    from fastapi import FastAPI

    settings = settings or ServeSettings()
    metrics = Metrics()

    def plan_batch(requests: list[dict]) -> list[dict]:
        plans = planner.plan(requests, batch_size=settings.max_batch)
        metrics.prompt_tokens.inc(planner.prompt_tokens(plans))
        return [p.to_dict() for p in plans]

    batcher = MicroBatcher(plan_batch, settings, metrics)

    @asynccontextmanager
    async def lifespan(app):
        batcher.start()
        yield
        await batcher.stop()  # uvicorn has finished the requests in flight; nothing is left waiting

    app = FastAPI(title="TOMAS planner", version=str(SCHEMA_VERSION), lifespan=lifespan, docs_url=None,
                  redoc_url=None,  # FastAPI's pages load from a CDN: blank offline; /docs is ours
                  description="Plans a tool and the resources to run it with, always within the free resources.")
    app.state.metrics, app.state.batcher = metrics, batcher
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # inside the guard: its 413s are counted
    add_guards(app, metrics, api_key, log)
    add_routes(app, planner, batcher, settings, metrics)
    return app


def add_routes(app, planner, batcher: MicroBatcher, settings: ServeSettings, metrics: Metrics) -> None:
    from fastapi.responses import HTMLResponse, PlainTextResponse
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    PlanRequest, BatchRequest = request_models(settings.max_task_chars, settings.max_batch_requests, local=False)

    @app.post("/v1/plan", summary="Plan one request", responses=ERRORS)
    async def plan(request: PlanRequest) -> dict:
        return (await batcher.submit([request.as_request()]))[0]

    @app.post("/v1/plan/batch", summary="Plan many requests (one result each, in order)", responses=ERRORS)
    async def plan_many(batch: BatchRequest) -> dict:
        results = await batcher.submit([r.as_request() for r in batch.requests])
        return {"schema_version": SCHEMA_VERSION, "results": results}

    @app.get("/v1/tools", summary="The tools and how many configurations each has", responses={401: ERRORS[401]})
    async def tools() -> dict:
        return {"schema_version": SCHEMA_VERSION, "tools": planner.tools_summary()}

    @app.get("/healthz", summary="Liveness, and what the model is (for load tests' compute limits)")
    async def healthz() -> dict:
        return {"schema_version": SCHEMA_VERSION, "status": "ok", "queue_depth": batcher.queue.qsize(),
                **planner.model_summary()}

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse,
             responses={401: ERRORS[401]})
    async def prometheus():
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/docs", summary="This API, as a page that needs nothing from the internet", response_class=HTMLResponse,
             include_in_schema=False)
    async def docs():
        return HTMLResponse(docs_page(app.openapi()))


def docs_page(schema: dict) -> str:
    """The endpoints of an OpenAPI schema as plain HTML (no scripts, no CDN), with a link to the full schema."""
    rows = "".join(f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                   f"<td>{html.escape(op.get('summary', ''))}</td>"
                   f"<td>{', '.join(sorted(op.get('responses', {})))}</td></tr>"
                   for path, ops in schema["paths"].items() for method, op in ops.items())
    info = schema["info"]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(info['title'])}</title></head>"
            f"<body><h1>{html.escape(info['title'])}</h1><p>{html.escape(info.get('description', ''))}</p>"
            "<table border='1' cellpadding='4'><tr><th>method</th><th>path</th><th>what</th><th>statuses</th></tr>"
            f"{rows}</table><p>Request and response schemas: <a href='/openapi.json'>/openapi.json</a>.</p>"
            "</body></html>")
