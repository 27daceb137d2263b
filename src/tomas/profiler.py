"""Measure a user's tool under resource limits and write profiling rows (``tomas profile``).

The tool is a command (``"python my_tool.py {input}"``: ``{input}`` becomes each sample input's path) or a
Python callable (``pkg.module:fn``, called with the path in a fresh interpreter, so the limits hold for it
too). For every cell of the grid (input size x CPU cores x memory x GPU SMs x GPU memory) each sample input of
that size runs ``warmup`` times unmeasured and ``repeats`` times measured, every run a new process under the
cell's limits; the cell's latency is the median wall time of the measured runs, in ms. Limits:

- CPU cores: the process's affinity (``os.sched_setaffinity``) set to that many of the cores allowed here;
- memory: cgroup v2 ``memory.max`` of a child cgroup when this process may create one (``memory_limit: cgroup``),
  else ``RLIMIT_AS`` (address space: a looser cap, since a process maps more than it uses;
  ``memory_limit: rlimit``); the run's record says which;
- GPU SMs and memory: CUDA MPS (``CUDA_MPS_ACTIVE_THREAD_PERCENTAGE``, ``CUDA_MPS_PINNED_DEVICE_MEM_LIMIT``), only
  where a GPU is present (without one the GPU levels must be 0).

A cell whose runs fail (non-zero exit, out of memory, killed) gets no row and one line saying why. Every cell
measured is appended to ``cells.jsonl`` at once: an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from itertools import product
from pathlib import Path

from tomas.data.profiling import INPUT_SIZES
from tomas.emit import mps_env
from tomas.errors import DataError

CELLS = "cells.jsonl"


@dataclass(frozen=True)
class Cell:
    input_size: str
    cpu_cores: int
    memory_gb: float
    gpu_sm: float
    gpu_memory_gb: float

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def said(self) -> str:
        gpu = f", {self.gpu_sm:g} SMs, {self.gpu_memory_gb:g} GB GPU" if self.gpu_sm or self.gpu_memory_gb else ""
        return f"{self.input_size}, {self.cpu_cores} core{'s' * (self.cpu_cores != 1)}, {self.memory_gb:g} GB{gpu}"


def tool_argv(command: str | None, callable_: str | None, path: str) -> list[str]:
    """The process that runs the tool once on ``path``."""
    if (command is None) == (callable_ is None):
        raise DataError("give the tool as --command \"... {input} ...\" or --callable pkg.module:fn, one of them")
    if command is not None:
        if "{input}" not in command:
            raise DataError(f"--command {command!r}: must contain {{input}} (where each sample input's path goes)")
        return shlex.split(command.replace("{input}", shlex.quote(path)))
    module, _, fn = callable_.partition(":")
    if not module or not fn.isidentifier():
        raise DataError(f"--callable {callable_!r}: expected pkg.module:function")
    return [sys.executable, "-c", f"import sys, {module} as m; m.{fn}(sys.argv[1])", path]


def cgroup_for(memory_gb: float, root: Path = Path("/sys/fs/cgroup")) -> Path | None:
    """A child cgroup (v2, memory controller on) with ``memory.max`` set, or None where this process may not
    make one (no cgroup v2 mounted there, no memory controller, no permission)."""
    controllers = root / "cgroup.controllers"
    if not controllers.is_file() or "memory" not in controllers.read_text().split():
        return None
    group = root / f"tomas-profile-{os.getpid()}-{int(memory_gb * 1024)}"
    try:
        group.mkdir(exist_ok=True)
    except OSError:
        return None
    try:
        if not (group / "memory.max").exists():  # the kernel makes it in a real cgroup, at once
            raise OSError("no memory controller in the child cgroup")
        (group / "memory.max").write_text(str(int(memory_gb * 2**30)))
        if (group / "memory.swap.max").exists():
            (group / "memory.swap.max").write_text("0")
        return group
    except OSError:
        remove_cgroup(group, tries=1)
        return None


def remove_cgroup(group: Path, tries: int = 50) -> None:
    """rmdir, retried: an exited process can stay in its cgroup for a moment while the kernel reaps it."""
    for _ in range(tries):
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.02)


def limits(cores: list[int], memory_gb: float, group: Path | None) -> Callable[[], None]:
    """What the child does before it runs the tool: its CPUs, and its memory cap (cgroup, else RLIMIT_AS)."""
    def apply() -> None:
        os.sched_setaffinity(0, cores)
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))
        else:
            cap = int(memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    return apply


def run_once(argv: list[str], setup: Callable[[], None], env: dict[str, str], timeout_s: float) -> tuple[float, str]:
    """(wall seconds, "" or why it failed) of one run."""
    t0 = time.perf_counter()
    try:
        done = subprocess.run(argv, preexec_fn=setup, env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t0, f"over the {timeout_s:g} s timeout"
    except OSError as e:
        return 0.0, f"cannot start ({e.strerror})"
    seconds = time.perf_counter() - t0
    if done.returncode == 0:
        return seconds, ""
    last = (done.stderr.strip().splitlines() or [""])[-1][:160]
    killed = done.returncode < 0 or "MemoryError" in done.stderr or "out of memory" in done.stderr.lower()
    return seconds, (f"out of memory or killed (exit {done.returncode})" if killed else
                     f"exit {done.returncode}") + (f": {last}" if last else "")


@dataclass
class Profiler:
    command: str | None
    callable_: str | None
    inputs: dict[str, list[str]]
    """Input size -> sample input paths."""
    warmup: int = 1
    repeats: int = 3
    timeout_s: float = 600.0
    gpu_total_sm: float | None = None

    def measure(self, cell: Cell, allowed: list[int]) -> dict:
        """One cell: its latency (median ms over every measured run) or why it has none."""
        group = cgroup_for(cell.memory_gb)
        setup = limits(allowed[:cell.cpu_cores], cell.memory_gb, group)
        env, times = mps_env(cell.gpu_sm, cell.gpu_memory_gb, self.gpu_total_sm), []
        try:
            for path in self.inputs[cell.input_size]:
                argv = tool_argv(self.command, self.callable_, path)
                for i in range(self.warmup + self.repeats):
                    seconds, failed = run_once(argv, setup, env, self.timeout_s)
                    if failed:
                        return {**asdict(cell), "latency_ms": None, "failed": failed}
                    if i >= self.warmup:
                        times.append(seconds)
        finally:
            if group is not None:
                remove_cgroup(group)
        return {**asdict(cell), "latency_ms": round(statistics.median(times) * 1000, 1), "runs": len(times),
                "memory_limit": "cgroup" if group is not None else "rlimit"}


def grid(inputs: dict[str, list[str]], cpu_cores: list[int], memory_gb: list[float], gpu_sm: list[float],
         gpu_memory_gb: list[float]) -> list[Cell]:
    sizes = [s for s in INPUT_SIZES if s in inputs]
    return [Cell(*c) for c in product(sizes, cpu_cores, memory_gb, gpu_sm, gpu_memory_gb)]


def done_cells(path: Path) -> dict[str, dict]:
    """The cells an earlier (interrupted) run measured: key -> record."""
    if not path.is_file():
        return {}
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {Cell(**{k: r[k] for k in Cell.__dataclass_fields__}).key(): r for r in records}


def append(path: Path, record: dict) -> None:
    """One line, flushed and synced: what is on disk is what was measured."""
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())
