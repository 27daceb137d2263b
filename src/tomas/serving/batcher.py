"""Micro-batching: concurrent requests become one forward pass; a bounded queue answers "overloaded" when full."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tomas.config.commands import ServeSettings
    from tomas.serving.metrics import Metrics

log = logging.getLogger("tomas.serve")


class Overloaded(Exception):
    """The queue in front of the model is full."""


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
