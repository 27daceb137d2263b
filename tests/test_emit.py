"""Plans a scheduler can run: each format parsed back with its own parser (or its syntax's), the planned numbers
in it; a plan without a configuration emits nothing."""

from __future__ import annotations

import ast
import shlex

import pytest
import yaml

from tomas.emit import FORMATS, emit
from tomas.errors import DataError

GPU = {"tool": "image_captioning", "config_id": 644, "cpu_cores": 8, "memory_gb": 16, "gpu_sm": 50,
       "gpu_memory_gb": 8, "latency_ms": 358.0}
CPU_ONLY = {**GPU, "config_id": 3, "cpu_cores": 2, "memory_gb": 0.5, "gpu_sm": 0, "gpu_memory_gb": 0}


def test_k8s_is_a_resources_block_with_requests_equal_to_limits():
    spec = yaml.safe_load(emit(GPU, "k8s", gpu_total_sm=132))
    assert spec["resources"]["requests"] == spec["resources"]["limits"] == {
        "cpu": "8", "memory": "16384Mi", "nvidia.com/gpu": 1}
    env = {e["name"]: e["value"] for e in spec["env"]}
    assert env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] == "38"  # ceil(100 * 50 / 132)
    assert env["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"] == "0=8192M" and env["TOMAS_CONFIG_ID"] == "644"
    cpu = yaml.safe_load(emit(CPU_ONLY, "k8s"))
    assert cpu["resources"]["limits"] == {"cpu": "2", "memory": "512Mi"}  # no GPU asked for, half a GB kept
    assert "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE" not in {e["name"] for e in cpu["env"]}


def test_slurm_header():
    lines = emit(GPU, "slurm", gpu_total_sm=132).splitlines()
    assert lines[:3] == ["#SBATCH --cpus-per-task=8", "#SBATCH --mem=16384M", "#SBATCH --gres=gpu:1"]
    exports = dict(shlex.split(line)[1].split("=", 1) for line in lines[3:])
    assert exports["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] == "38" and exports["TOMAS_TOOL"] == "image_captioning"
    assert "--gres" not in emit(CPU_ONLY, "slurm")


def test_ray_options_are_a_call_with_literal_arguments():
    call = ast.parse(emit(GPU, "ray", gpu_total_sm=100).strip().lstrip(".")).body[0].value
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    assert call.func.id == "options" and kwargs["num_cpus"] == 8 and kwargs["memory"] == 16 * 2**30
    assert kwargs["num_gpus"] == 0.5 and kwargs["runtime_env"]["env_vars"]["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] == "50"


def test_docker_flags_and_env_lines():
    flags = shlex.split(emit(GPU, "docker", gpu_total_sm=132))
    assert flags[:3] == ["--cpus=8", "--memory=16384m", "--gpus=1"]
    assert flags[flags.index("-e") + 1].startswith("TOMAS_TOOL=")
    env = dict(line.split("=", 1) for line in shlex.split(emit(CPU_ONLY, "env")))
    assert env == {"TOMAS_TOOL": "image_captioning", "TOMAS_CONFIG_ID": "3", "CPU_CORES": "2", "MEMORY_GB": "0.5",
                   "GPU_SM": "0", "GPU_MEMORY_GB": "0"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_nothing_to_run_emits_nothing(fmt):
    with pytest.raises(DataError, match="nothing to run"):
        emit({**GPU, "config_id": None, "reason": "no small-input configuration fits"}, fmt)


def test_an_sm_share_needs_the_gpus_sm_count():
    with pytest.raises(DataError, match="gpu_total_sm: needed"):
        emit(GPU, "k8s")
