"""A plan as something a scheduler runs: the chosen configuration's resources in the format's own syntax.

- ``k8s``: a container's ``resources`` (requests = limits: ``cpu``, ``memory``, ``nvidia.com/gpu``) and ``env``;
- ``slurm``: ``#SBATCH`` lines (``--cpus-per-task``, ``--mem``, ``--gres``) and the ``export``s;
- ``ray``: ``.options(num_cpus=..., memory=..., num_gpus=..., runtime_env=...)``;
- ``docker``: ``docker run`` flags (``--cpus``, ``--memory``, ``--gpus``, ``-e``);
- ``env``: ``KEY=value`` lines a shell can source.

A GPU configuration's SM share and GPU memory are enforced with CUDA MPS: ``CUDA_MPS_ACTIVE_THREAD_PERCENTAGE``
(the planned SMs as a share of the device's, ``gpu_total_sm``) and ``CUDA_MPS_PINNED_DEVICE_MEM_LIMIT``
(``0=<N>M``); the MPS control daemon must run on the node. Memory is written in MiB, so fractions of a GB stay.
"""

from __future__ import annotations

import json
import math
import shlex

from tomas.config.commands import EmitFormat, choices
from tomas.errors import DataError

FORMATS = choices(EmitFormat)


def mib(gb: float) -> int:
    return int(round(gb * 1024))


def mps_env(gpu_sm: float, gpu_memory_gb: float, gpu_total_sm: float | None) -> dict[str, str]:
    """The CUDA MPS limits of a GPU share ({} without a GPU): what a plan is emitted with and what
    ``tomas profile`` measures a cell under."""
    if not gpu_sm and not gpu_memory_gb:
        return {}
    if gpu_sm and not gpu_total_sm:
        raise DataError(f"gpu_total_sm: needed to write {gpu_sm:g} SMs as an MPS share (the GPU's SM count, "
                        "e.g. 132 for an H100 SXM)")
    env = {}
    if gpu_sm:
        env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] = str(min(100, math.ceil(100 * gpu_sm / gpu_total_sm)))
    if gpu_memory_gb:
        env["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"] = f"0={mib(gpu_memory_gb)}M"
    return env


def emit(plan: dict, fmt: str, gpu_total_sm: float | None = None) -> str:
    """The plan's configuration in ``fmt``; ``DataError`` for a plan without one (nothing to run)."""
    if fmt not in FORMATS:
        raise DataError(f"emit: unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if plan.get("config_id") is None:
        raise DataError(f"emit: nothing to run ({plan.get('reason', 'no configuration')})")
    env = {"TOMAS_TOOL": plan["tool"], "TOMAS_CONFIG_ID": str(plan["config_id"]),
           **mps_env(plan["gpu_sm"], plan["gpu_memory_gb"], gpu_total_sm)}
    gpus = 1 if plan["gpu_sm"] or plan["gpu_memory_gb"] else 0
    return {"k8s": _k8s, "slurm": _slurm, "ray": _ray, "docker": _docker, "env": _env}[fmt](plan, env, gpus,
                                                                                        gpu_total_sm)


def _k8s(plan: dict, env: dict, gpus: int, _total) -> str:
    import yaml

    amounts = {"cpu": f"{plan['cpu_cores']:g}", "memory": f"{mib(plan['memory_gb'])}Mi",
               **({"nvidia.com/gpu": gpus} if gpus else {})}
    spec = {"resources": {"requests": amounts, "limits": dict(amounts)},
            "env": [{"name": k, "value": v} for k, v in env.items()]}
    return yaml.safe_dump(spec, sort_keys=False)


def _slurm(plan: dict, env: dict, gpus: int, _total) -> str:
    lines = [f"#SBATCH --cpus-per-task={math.ceil(plan['cpu_cores'])}", f"#SBATCH --mem={mib(plan['memory_gb'])}M"]
    lines += [f"#SBATCH --gres=gpu:{gpus}"] if gpus else []
    return "\n".join(lines + [f"export {k}={shlex.quote(v)}" for k, v in env.items()]) + "\n"


def _ray(plan: dict, env: dict, gpus: int, total) -> str:
    num_gpus = round(min(1.0, plan["gpu_sm"] / total), 4) if gpus and plan["gpu_sm"] else gpus
    return (f".options(num_cpus={plan['cpu_cores']:g}, memory={mib(plan['memory_gb']) * 2**20}, num_gpus={num_gpus:g}, "
            f"runtime_env={{'env_vars': {json.dumps(env)}}})\n")


def _docker(plan: dict, env: dict, gpus: int, _total) -> str:
    flags = [f"--cpus={plan['cpu_cores']:g}", f"--memory={mib(plan['memory_gb'])}m"]
    flags += [f"--gpus={gpus}"] if gpus else []
    flags += [f"-e {shlex.quote(f'{k}={v}')}" for k, v in env.items()]
    return " ".join(flags) + "\n"


def _env(plan: dict, env: dict, _gpus: int, _total) -> str:
    values = {**env, "CPU_CORES": f"{plan['cpu_cores']:g}", "MEMORY_GB": f"{plan['memory_gb']:g}",
              "GPU_SM": f"{plan['gpu_sm']:g}", "GPU_MEMORY_GB": f"{plan['gpu_memory_gb']:g}"}
    return "".join(f"{k}={shlex.quote(v)}\n" for k, v in values.items())
