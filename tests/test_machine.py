"""Free resources read from the machine: real readings on this one, cgroup limits and a GPU through stand-ins."""

from __future__ import annotations

import os
import sys
import types

from tomas import machine


def test_this_machine_reads_within_what_it_has():
    free, said = machine.free_resources()
    allowed = len(os.sched_getaffinity(0))
    assert 0 <= free["cpu_cores"] <= allowed and 0 < free["memory_gb"] < 10_000
    assert free["gpu_sm"] >= 0 and free["gpu_memory_gb"] >= 0
    assert said.startswith("read from this machine: ") and "cores allowed" in said and "GB available" in said


def test_cgroup_limits_cap_the_readings(tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    (tmp_path / "memory.max").write_text(str(8 * 2**30))
    (tmp_path / "memory.current").write_text(str(3 * 2**30))
    assert machine.cgroup_cpus(tmp_path) == 1.5 and machine.cgroup_memory_free_gb(tmp_path) == 5.0
    (tmp_path / "cpu.max").write_text("max 100000\n")
    (tmp_path / "memory.max").write_text("max\n")
    assert machine.cgroup_cpus(tmp_path) is None and machine.cgroup_memory_free_gb(tmp_path) is None
    assert machine.cgroup_cpus(tmp_path / "none") is None


def test_a_gpu_counts_its_idle_sms_and_free_memory(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: types.SimpleNamespace(multi_processor_count=132))
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda i: (40 * 2**30, 80 * 2**30))
    nvml = types.SimpleNamespace(
        nvmlInit=lambda: None, nvmlDeviceGetHandleByIndex=lambda i: "h",
        nvmlDeviceGetUtilizationRates=lambda h: types.SimpleNamespace(gpu=25),
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(free=30 * 2**30))
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    assert machine.read_gpu() == (99.0, 30.0, "GPU 0: 132 SMs, 25% busy (NVML)")
    monkeypatch.setitem(sys.modules, "pynvml", None)  # no NVML: CUDA's own free memory, every SM
    assert machine.read_gpu() == (132.0, 40.0, "GPU 0: 132 SMs, utilisation unknown (no NVML): all SMs counted free")
