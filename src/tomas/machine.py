"""The free resources of this machine, read rather than typed (``tomas plan --free auto``).

- CPU cores: the cores this process may run on (its affinity, capped by a cgroup v2 ``cpu.max`` quota), times
  the share of them idle over a short sample (psutil);
- memory: what the kernel says is available, capped by the cgroup's ``memory.max`` minus its ``memory.current``;
- GPU (device 0): SMs from the device's properties, times the share NVML says is idle; memory NVML (or CUDA)
  says is free. No GPU, or no NVML and no CUDA: both 0. Under MIG or MPS the device seen is the slice.
Every number comes with the words saying where it came from (the plan's ``free_read``).
"""

from __future__ import annotations

import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def cgroup_cpus(root: Path = CGROUP) -> float | None:
    """CPUs a cgroup v2 ``cpu.max`` quota allows (None: no quota)."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return None
    return None if quota == "max" else int(quota) / int(period)


def cgroup_memory_free_gb(root: Path = CGROUP) -> float | None:
    """``memory.max`` minus ``memory.current`` in GB (None: no limit)."""
    try:
        limit = (root / "memory.max").read_text().strip()
        used = int((root / "memory.current").read_text())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(0.0, (int(limit) - used) / 2**30)


def read_cpu(sample_s: float = 0.2) -> tuple[float, str]:
    import psutil

    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = cgroup_cpus()
    cores = min(allowed, quota) if quota else allowed
    busy = psutil.cpu_percent(interval=sample_s) / 100
    free = round(max(0.0, cores * (1 - busy)), 1)
    said = f"{cores:g} cores allowed{' (cgroup quota)' if quota and quota < allowed else ''}, {busy:.0%} busy"
    return free, said


def read_memory() -> tuple[float, str]:
    import psutil

    available = psutil.virtual_memory().available / 2**30
    capped = cgroup_memory_free_gb()
    free = min(available, capped) if capped is not None else available
    said = f"{available:.1f} GB available" + (f", {capped:.1f} GB under the cgroup limit" if capped is not None
                                              else "")
    return round(free, 1), said


def read_gpu() -> tuple[float, float, str]:
    """(free SMs, free GPU memory GB, where from) of device 0."""
    try:
        import torch

        if not torch.cuda.is_available():
            return 0.0, 0.0, "no GPU"
        sms = torch.cuda.get_device_properties(0).multi_processor_count
        free_bytes = torch.cuda.mem_get_info(0)[0]
    except (ImportError, RuntimeError) as e:
        return 0.0, 0.0, f"no GPU ({type(e).__name__})"
    busy, how = 0.0, "utilisation unknown (no NVML): all SMs counted free"
    try:
        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        busy = pynvml.nvmlDeviceGetUtilizationRates(handle).gpu / 100
        free_bytes = pynvml.nvmlDeviceGetMemoryInfo(handle).free
        how = f"{busy:.0%} busy (NVML)"
    except Exception:  # noqa: BLE001 - NVML missing or refusing: CUDA's own figures stand
        pass
    return float(int(sms * (1 - busy))), round(free_bytes / 2**30, 1), f"GPU 0: {sms} SMs, {how}"


def free_resources() -> tuple[dict[str, float], str]:
    """This machine's free resources now, and one line saying what was read."""
    cpu, cpu_said = read_cpu()
    mem, mem_said = read_memory()
    sm, gpu_mem, gpu_said = read_gpu()
    return ({"cpu_cores": cpu, "memory_gb": mem, "gpu_sm": sm, "gpu_memory_gb": gpu_mem},
            f"read from this machine: {cpu_said}; {mem_said}; {gpu_said}")
