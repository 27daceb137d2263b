"""The plan request, validated once (pydantic) for every entry point: ``tomas plan`` and its ``--batch`` lines,
the Python API and the HTTP service, so the same bad input gets the same one-line error everywhere.

A request: ``{"id"?, "task", "free_resources": {"cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb"},
"latency_budget_ms"?, "input"?, "input_size"?, "emit"?, "gpu_total_sm"?}``. ``input`` holds what the caller
knows of the input: ``path`` (a file this machine reads; not over HTTP, where the service cannot read the
caller's files), ``width`` and ``height``, ``megapixels``, ``bytes``, ``words``, ``pages``, ``seconds`` or
``frames``; ``emit`` also renders the chosen configuration for a scheduler (``tomas.emit``).
"""

# No `from __future__ import annotations`: pydantic reads these annotations at run time.
import re
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tomas.config.commands import MAX_TASK_CHARS, EmitFormat, InputSize
from tomas.errors import DataError

STRICT = ConfigDict(extra="forbid", strict=True)
Amount = Annotated[int | float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[int | float, Field(gt=0, allow_inf_nan=False)]


class FreeResources(BaseModel):
    model_config = STRICT
    cpu_cores: Amount
    memory_gb: Amount
    gpu_sm: Amount
    gpu_memory_gb: Amount


class InputFacts(BaseModel):
    """What the caller knows of the input (over HTTP: numbers only, no path)."""

    model_config = STRICT
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
            raise ValueError(f"give {self.what()}")
        return self

    @classmethod
    def what(cls) -> str:
        return "width and height, megapixels, bytes, words, pages, seconds or frames"


class LocalInputFacts(InputFacts):
    """On this machine the input itself may be given: ``path`` (an image's pixels or a text file's words are read)."""

    path: str | None = Field(default=None, min_length=1)

    @classmethod
    def what(cls) -> str:
        return "path, " + super().what()


def request_models(max_task_chars: int = MAX_TASK_CHARS, max_batch_requests: int = 256, local: bool = True):
    """(PlanRequest, BatchRequest) with these limits; ``local``: ``input.path`` allowed (not over HTTP)."""
    return _models(max_task_chars, max_batch_requests, local)


@lru_cache(maxsize=8)
def _models(max_task_chars: int, max_batch_requests: int, local: bool):
    Facts = LocalInputFacts if local else InputFacts

    class PlanRequest(BaseModel):
        """One request: the same object as a `tomas plan --batch` line."""

        model_config = STRICT
        id: str | int | None = None
        task: str = Field(min_length=1, max_length=max_task_chars)
        free_resources: FreeResources | Literal["auto"]
        """The four numbers, or "auto": read from the machine that plans (``tomas.machine``)."""
        latency_budget_ms: Positive | None = None
        input: Facts | None = None
        input_size: InputSize | None = None
        emit: EmitFormat | None = None
        """Also render the chosen configuration for a scheduler (``tomas.emit``): the plan's ``emitted``."""
        gpu_total_sm: Positive | None = None
        """The GPU's SM count, to write planned SMs as an MPS share (``emit`` of a GPU configuration)."""

        @field_validator("task")
        @classmethod
        def not_blank(cls, v: str) -> str:
            if not v.strip():
                raise ValueError("must not be blank")
            return v

        def as_request(self) -> dict:
            free = self.free_resources
            r = {"task": self.task, "free_resources": free if free == "auto" else free.model_dump(),
                 "latency_budget_ms": self.latency_budget_ms}
            if self.input is not None:
                r["input"] = self.input.model_dump(exclude_none=True)
            r |= {k: getattr(self, k) for k in ("input_size", "emit", "gpu_total_sm") if getattr(self, k) is not None}
            return r if self.id is None else {"id": self.id, **r}

    class BatchRequest(BaseModel):
        model_config = STRICT
        requests: list[PlanRequest] = Field(min_length=1, max_length=max_batch_requests)

    return PlanRequest, BatchRequest


def error_message(errors: list[dict]) -> str:
    """Pydantic's first error as one line naming the field (``field free_resources.gpu_sm: ...``)."""
    e = errors[0]
    if e.get("type") == "json_invalid":
        return "body: not valid JSON"
    # field names and list indices only: not "body", a union branch's type ("int", "FreeResources", "literal[...]")
    loc = [str(p) for p in e.get("loc", ()) if isinstance(p, int) or
           (re.fullmatch(r"[a-z_][a-z0-9_]*", p) and p not in ("body", "int", "float", "str"))]
    msg = e.get("msg", "invalid").removeprefix("Value error, ")
    return f"field {'.'.join(loc) or 'body'}: {msg}"


def parse_request(r: object, where: str, max_task_chars: int = MAX_TASK_CHARS) -> dict:
    """One request, checked (an input file must exist and be readable too): the normalised request dict, or a
    ``DataError`` naming ``where`` and the field."""
    from tomas.data.size_reader import facts_quantities

    PlanRequest, _ = request_models(max_task_chars)
    try:
        request = PlanRequest.model_validate(r).as_request()
    except ValidationError as e:
        raise DataError(f"{where}: {error_message(e.errors())}") from None
    if "input" in request:
        try:
            facts_quantities(request["input"])  # reads the file's header now: a bad file fails before planning
        except DataError as e:
            raise DataError(f"{where}: {e}") from None
    return request
