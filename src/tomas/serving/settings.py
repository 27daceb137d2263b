"""The service's limits (``tomas serve --max_*`` flags)."""

from __future__ import annotations

from dataclasses import dataclass

from tomas.requests import MAX_TASK_CHARS


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
