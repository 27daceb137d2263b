"""The planner as an HTTP service: ``tomas serve --planner_dir D --host H --port P``.

FastAPI + uvicorn. Concurrent requests are micro-batched into one forward pass (at most
``--max_batch`` requests, waiting at most ``--max_wait_ms`` after the first); the queue in
front of the model is bounded (``--max_queue``) and answers 503 with ``Retry-After`` when
full. A request is a ``tomas plan --batch`` line; every response carries ``schema_version``
and echoes the request's ``id``. Malformed requests get one 4xx message naming the field;
no traceback ever reaches a client. Endpoints: ``POST /v1/plan``, ``POST /v1/plan/batch``,
``GET /v1/tools``, ``GET /healthz``, ``GET /metrics`` (Prometheus), ``GET /docs`` (OpenAPI).
"""

# No `from __future__ import annotations`: FastAPI reads the request models (defined in a
# function, from the settings) from the endpoints' annotations at run time.
import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Literal

from tomas.inference import MAX_TASK_CHARS, SCHEMA_VERSION

log = logging.getLogger("tomas.serve")


@dataclass
class ServeSettings:
    max_batch: int = 8
    """Most requests planned in one forward pass. 8 beat 16 (and 32) on the 2-core CPU under
    16 concurrent clients: a full batch waits for one small forward, not one large one (docs/serving.md)."""
    max_wait_ms: float = 5.0
    """How long the first request of a batch waits for others to join it."""
    max_queue: int = 256
    """Requests waiting for the model; beyond it the answer is 503 + Retry-After."""
    max_task_chars: int = MAX_TASK_CHARS
    """Longest task text accepted."""
    max_body_bytes: int = 1 << 20
    """Largest request body accepted (413 beyond)."""
    max_batch_requests: int = 256
    """Most requests in one POST /v1/plan/batch."""


class Overloaded(Exception):
    """The queue in front of the model is full."""


class Metrics:
    """Prometheus metrics of one app (its own registry, so several apps can live in one process)."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("tomas_requests", "HTTP requests by endpoint and status", ["endpoint", "status"],
                                registry=self.registry)
        self.latency = Histogram("tomas_request_latency_seconds", "Request latency by endpoint", ["endpoint"],
                                 registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.batch_size = Histogram("tomas_batch_size", "Requests per forward pass", registry=self.registry,
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
        self.queue_depth = Gauge("tomas_queue_depth", "Requests waiting for the model", registry=self.registry)
        self.prompt_tokens = Counter("tomas_prompt_tokens", "Prompt tokens through the LLM", registry=self.registry)


class MicroBatcher:
    """Collects concurrent requests into batches for ``plan_batch`` (run in one worker thread:
    the model is not shared between threads)."""

    def __init__(self, plan_batch: Callable[[list[dict]], list[dict]], settings: ServeSettings, metrics: Metrics):
        self.plan_batch, self.settings, self.metrics = plan_batch, settings, metrics
        self.queue: asyncio.Queue = asyncio.Queue(settings.max_queue)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planner")
        self.worker: asyncio.Task | None = None

    def start(self) -> None:
        self.worker = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Finishes what is queued, then stops the worker."""
        await self.queue.join()
        if self.worker:
            self.worker.cancel()
        self.executor.shutdown(wait=True)

    def room(self) -> int:
        return self.settings.max_queue - self.queue.qsize()

    async def submit(self, requests: list[dict]) -> list[dict]:
        if self.room() < len(requests):
            raise Overloaded
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in requests]
        for r, f in zip(requests, futures):
            self.queue.put_nowait((r, f))
        self.metrics.queue_depth.set(self.queue.qsize())
        return list(await asyncio.gather(*futures))

    async def next_batch(self) -> list[tuple[dict, asyncio.Future]]:
        batch = [await self.queue.get()]
        deadline = time.monotonic() + self.settings.max_wait_ms / 1000
        while len(batch) < self.settings.max_batch:
            if self.queue.empty():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self.queue.get(), left))
                except asyncio.TimeoutError:  # noqa: UP041 - not the builtin before Python 3.11
                    break
            else:
                batch.append(self.queue.get_nowait())
        return batch

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self.next_batch()
            self.metrics.queue_depth.set(self.queue.qsize())
            self.metrics.batch_size.observe(len(batch))
            try:
                plans = await loop.run_in_executor(self.executor, self.plan_batch, [r for r, _ in batch])
                for (_, future), plan in zip(batch, plans):
                    if not future.done():
                        future.set_result(plan)
            except Exception as e:  # noqa: BLE001 - every waiting request must get an answer
                log.exception("planning a batch of %d failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(e)
            finally:
                for _ in batch:
                    self.queue.task_done()


def request_models(settings: ServeSettings):
    """(PlanRequest, BatchRequest) pydantic models: validation, and the OpenAPI schema."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

    Amount = Annotated[int | float, Field(ge=0)]

    class FreeResources(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        cpu_cores: Amount
        memory_gb: Amount
        gpu_sm: Amount
        gpu_memory_gb: Amount

    Positive = Annotated[int | float, Field(gt=0)]

    class InputFacts(BaseModel):
        """What the caller knows of the input (the service cannot read the caller's files: send the numbers)."""

        model_config = ConfigDict(extra="forbid", strict=True)
        width: Positive | None = None
        height: Positive | None = None
        megapixels: Positive | None = None
        bytes: Positive | None = None
        words: Positive | None = None
        pages: Positive | None = None
        seconds: Positive | None = None
        frames: Positive | None = None

        @model_validator(mode="after")
        def some_fact(self):
            if (self.width is None) != (self.height is None):
                raise ValueError("width and height go together")
            if not self.model_dump(exclude_none=True):
                raise ValueError("give width and height, megapixels, bytes, words, pages, seconds or frames")
            return self

    class PlanRequest(BaseModel):
        """One request: the same object as a `tomas plan --batch` line (``input``: facts, not a path)."""

        model_config = ConfigDict(extra="forbid", strict=True)
        id: str | int | None = None
        task: str = Field(min_length=1, max_length=settings.max_task_chars)
        free_resources: FreeResources
        latency_budget_ms: Positive | None = None
        input: InputFacts | None = None
        input_size: Literal["small", "medium", "large"] | None = None

        @field_validator("task")
        @classmethod
        def not_blank(cls, v: str) -> str:
            if not v.strip():
                raise ValueError("must not be blank")
            return v

        def as_request(self) -> dict:
            r = {"task": self.task, "free_resources": self.free_resources.model_dump(),
                 "latency_budget_ms": self.latency_budget_ms}
            if self.input is not None:
                r["input"] = self.input.model_dump(exclude_none=True)
            if self.input_size is not None:
                r["input_size"] = self.input_size
            return r if self.id is None else {"id": self.id, **r}

    class BatchRequest(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        requests: list[PlanRequest] = Field(min_length=1, max_length=settings.max_batch_requests)

    return PlanRequest, BatchRequest


def error_message(errors: list[dict]) -> str:
    """Pydantic's first error as one line naming the field (``free_resources.gpu_sm: ...``)."""
    e = errors[0]
    if e.get("type") == "json_invalid":
        return "body: not valid JSON"
    loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "int", "float", "str")]
    return f"field {'.'.join(loc) or 'body'}: {e.get('msg', 'invalid')}"


def create_app(planner, settings: ServeSettings | None = None):
    """The FastAPI app around a loaded planner (``tomas.inference.LoadedPlanner``)."""
    from fastapi import FastAPI

    settings = settings or ServeSettings()
    metrics = Metrics()

    def plan_batch(requests: list[dict]) -> list[dict]:
        metrics.prompt_tokens.inc(planner.prompt_tokens(requests))
        return planner.plan(requests, batch_size=settings.max_batch)

    batcher = MicroBatcher(plan_batch, settings, metrics)

    @asynccontextmanager
    async def lifespan(app):
        batcher.start()
        yield
        await batcher.stop()  # uvicorn has finished the requests in flight; nothing is left waiting

    app = FastAPI(title="TOMAS planner", version=str(SCHEMA_VERSION), lifespan=lifespan,
                  description="Plans a tool and the resources to run it with, always within the free resources.")
    app.state.metrics, app.state.batcher = metrics, batcher
    add_guards(app, settings, metrics)
    add_routes(app, planner, batcher, settings, metrics)
    return app


def error_response(status: int, message: str, headers: dict | None = None):
    from fastapi.responses import JSONResponse

    return JSONResponse({"schema_version": SCHEMA_VERSION, "error": message}, status, headers=headers)


def add_guards(app, settings: ServeSettings, metrics: Metrics) -> None:
    """Body limit, request metrics, and one-line errors (413, 422, 503, 500 without a traceback)."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError

    @app.middleware("http")
    async def guard(request: Request, call_next):
        t0, endpoint = time.perf_counter(), request.url.path
        size = request.headers.get("content-length")
        if size is not None and (not size.isdigit() or int(size) > settings.max_body_bytes):
            response = error_response(413, f"body: larger than {settings.max_body_bytes} bytes")
        else:
            try:
                response = await call_next(request)
            except Exception:  # noqa: BLE001 - the traceback goes to the log, never to the client
                log.exception("unhandled error on %s", endpoint)
                response = error_response(500, "internal error")
        metrics.requests.labels(endpoint, str(response.status_code)).inc()
        metrics.latency.labels(endpoint).observe(time.perf_counter() - t0)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_request, exc: RequestValidationError):
        return error_response(422, error_message(exc.errors()))

    @app.exception_handler(Overloaded)
    async def overloaded(_request, _exc):
        return error_response(503, "overloaded: the queue is full, retry later", {"Retry-After": "1"})


def add_routes(app, planner, batcher: MicroBatcher, settings: ServeSettings, metrics: Metrics) -> None:
    from fastapi.responses import PlainTextResponse
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    PlanRequest, BatchRequest = request_models(settings)

    @app.post("/v1/plan", summary="Plan one request")
    async def plan(request: PlanRequest) -> dict:
        return (await batcher.submit([request.as_request()]))[0]

    @app.post("/v1/plan/batch", summary="Plan many requests (one result each, in order)")
    async def plan_many(batch: BatchRequest) -> dict:
        results = await batcher.submit([r.as_request() for r in batch.requests])
        return {"schema_version": SCHEMA_VERSION, "results": results}

    @app.get("/v1/tools", summary="The tools and how many configurations each has")
    async def tools() -> dict:
        return {"schema_version": SCHEMA_VERSION, "tools": planner.tools_summary()}

    @app.get("/healthz", summary="Liveness, and what the model is (for load tests' compute limits)")
    async def healthz() -> dict:
        return {"schema_version": SCHEMA_VERSION, "status": "ok", "queue_depth": batcher.queue.qsize(),
                **planner.model_summary()}

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def prometheus():
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tomas serve", description=__doc__.splitlines()[0])
    p.add_argument("--planner_dir", default="assets/planner")
    p.add_argument("--host", default="127.0.0.1", help="127.0.0.1 (default) serves this machine only")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--device", default="auto")
    p.add_argument("--graceful_s", type=float, default=30.0, help="on shutdown, how long requests in flight may take")
    for name, field in ServeSettings.__dataclass_fields__.items():
        p.add_argument(f"--{name}", type=type(field.default), default=field.default)
    args = p.parse_args(argv)
    if min(args.max_batch, args.max_queue, args.max_task_chars, args.max_body_bytes, args.max_batch_requests) < 1:
        p.error("the --max_* limits must be ≥ 1")
    return args


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from tomas.inference import load_planner

    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = ServeSettings(**{k: getattr(args, k) for k in ServeSettings.__dataclass_fields__})
    planner = load_planner(args.planner_dir, args.device)
    print(f"Planner {args.planner_dir}: {len(planner.table.tool_names)} tools, {planner.table.num_configs} "
          f"configurations; serving on http://{args.host}:{args.port} (docs at /docs)", flush=True)
    uvicorn.run(create_app(planner, settings), host=args.host, port=args.port, log_level="warning",
                timeout_graceful_shutdown=args.graceful_s)
    return 0
