"""The one distributed strategy of both trainers: accelerate's data-parallel (DDP) path.

A run started by ``accelerate launch`` / ``torchrun`` has several processes; each builds the
same model, trains on its share of every global batch, and DDP averages the gradients.
``Objective`` puts a model and its loss in one forward, so DDP sees exactly the parameters
the loss used: a stage that leaves some without a gradient (Phase 0's anchor stage never
touches the soft prompt) is what ``find_unused_parameters`` is for. Only the main process
logs, writes files and shows progress bars (``main_process_log``).
"""

from __future__ import annotations

import gc
import importlib.util
import os
from collections.abc import Callable

import torch
from torch import nn

from tomas.config import OptimConfig
from tomas.errors import TomasError
from tomas.models.llm import resolve_device


def make_accelerator(training: OptimConfig, trackers: list[str] | None = None, project_dir=None):
    """The run's accelerator (device, processes, mixed precision, accumulation, trackers); built once, passed on."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs

    on_cuda = resolve_device(training.device).type == "cuda"
    return Accelerator(cpu=not on_cuda, mixed_precision=training.mixed_precision if on_cuda else "no",
                       gradient_accumulation_steps=training.grad_accum, log_with=trackers or None,
                       project_dir=project_dir,
                       kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)])


def run_device(training: OptimConfig, acc) -> torch.device:
    """The device this process trains on: cuda:LOCAL_RANK under a multi-process launch on GPUs."""
    device = resolve_device(training.device)
    return acc.device if device.type == "cuda" and acc.num_processes > 1 else device


def main_process_log(acc, log=print):
    """``log`` on the main process, a no-op on the others: console lines are never duplicated."""
    return log if acc.is_main_process else (lambda *_, **__: None)


def barrier(acc) -> None:
    if acc.device.type == "cuda":
        acc.wait_for_everyone()
    elif acc.num_processes > 1:  # accelerate's barrier names a CUDA device even for CPU processes: fails with 1 GPU
        torch.distributed.barrier()


def end_run(acc) -> None:
    """Ends a run on every process: past training together, then the DDP wrappers released (the caller drops its
    trainer first), trackers finished and the process group destroyed while the interpreter is fully alive. A gloo
    group left to interpreter shutdown can still hold finished work whose tensors need the GIL, and its worker
    thread then aborts the process ("terminate called without an active exception") after a run that succeeded."""
    barrier(acc)
    acc.free_memory()  # accelerate's own references to the prepared models and optimizers
    gc.collect()  # a trainer and its DDP-wrapped objective reference each other
    acc.end_training()
    gc.collect()


class Objective(nn.Module):
    """``model`` and its loss as one module: ``forward(*args)`` returns ``loss_fn(model, *args)``, (loss, stats).

    Wrapped by DDP, the backward of that loss reduces exactly the gradients it produced."""

    def __init__(self, model: nn.Module, loss_fn: Callable):
        super().__init__()
        self.model = model
        self.loss_fn = loss_fn

    def forward(self, *args, **kwargs):
        return self.loss_fn(self.model, *args, **kwargs)


def trackers(logging) -> list[str]:
    """Experiment trackers to log to (``LoggingConfig``); each needs its package installed."""
    wanted = {"wandb": logging.wandb.enabled, "tensorboard": logging.tensorboard}
    for name, flag in (("wandb", "logging.wandb.enabled"), ("tensorboard", "logging.tensorboard")):
        if wanted[name] and importlib.util.find_spec(name) is None:
            raise TomasError(f"{flag} is on but the {name} package is not installed (pip install {name})")
    return [name for name, on in wanted.items() if on]


def init_trackers(acc, logging, config: dict, out_dir) -> None:
    if acc.log_with:
        # W&B must not need a network: offline unless the user sets WANDB_MODE.
        acc.init_trackers(logging.wandb.project, config=flat(config), init_kwargs={"wandb": {
            "entity": logging.wandb.entity, "mode": os.environ.get("WANDB_MODE", "offline"), "dir": str(out_dir)}})


def flat(d: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a/b": 1}`` (trackers take flat scalars)."""
    out = {}
    for k, v in d.items():
        out.update(flat(v, f"{prefix}{k}/") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out
