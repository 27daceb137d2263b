"""How a run ends (`end_run`): nothing that holds the process group may outlive it into interpreter shutdown,
where a gloo worker thread releasing finished work aborts the process after a run that succeeded."""

from __future__ import annotations

import gc
import weakref

import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from tomas.config import OptimConfig
from tomas.training.distributed import end_run, make_accelerator


class Holder:
    """A trainer's shape: it holds its DDP-wrapped objective, which holds a bound method of it (a cycle)."""

    def __init__(self, acc):
        self.objective = DistributedDataParallel(nn.Linear(2, 2))
        self.objective.loss_fn = self.loss
        acc._models.append(self.objective)  # as acc.prepare does

    def loss(self, *_):
        return 0.0


def test_end_run_releases_the_wrappers_and_destroys_the_group(tmp_path):
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        acc = make_accelerator(OptimConfig(device="cpu"))
        holder = Holder(acc)
        wrapper = weakref.ref(holder.objective)
        del holder  # the recipe drops its trainer; accelerate and the cycle still hold the wrapper
        gc.disable()  # only end_run may collect the cycle
        try:
            assert wrapper() is not None
            end_run(acc)
        finally:
            gc.enable()
        assert wrapper() is None
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
