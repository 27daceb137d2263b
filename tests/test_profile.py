"""`tomas profile` on a small real tool (a Python one-liner that reads its input): real processes under real
limits, real wall times; the written files pass the project's own validation; an interrupted run resumes."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import pytest

from tomas.cli import main
from tomas.data import load_tool_data
from tomas.profiler import CELLS, Cell, Profiler, tool_argv

FIXTURE = Path(__file__).resolve().parent / "fixtures/other"
# reads its input, sleeps 30 ms per line and prints the cores it may use (a check that the affinity holds)
TOOL = ("import os, sys, time; n = len(open(sys.argv[1]).read().splitlines()); time.sleep(0.03 * n); "
        "print(len(os.sched_getaffinity(0)))")


@pytest.fixture()
def inputs(tmp_path):
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text("a\n")
    large.write_text("a\n" * 20)
    return small, large


def _profile(tmp_path, inputs, *extra) -> int:
    small, large = inputs
    script = tmp_path / "tool.py"
    script.write_text(TOOL.replace("; ", "\n"))
    return main(["profile", "line_counter", "--command", f"{sys.executable} {script} {{input}}",
                 "--inputs", f"small={small}", "--inputs", f"large={large}", "--cpu_cores", "1", "--memory_gb",
                 "1,2", "--warmup", "0", "--repeats", "2", "--output_dir", str(tmp_path / "out"),
                 "--base_registry", str(FIXTURE / "tools.json"), "--base_profiling", str(FIXTURE / "profiling.csv"),
                 *extra])


def test_profile_writes_rows_a_registry_entry_and_what_it_measured(tmp_path, inputs):
    assert _profile(tmp_path, inputs) == 0
    out = tmp_path / "out"
    data = load_tool_data(out / "tools.json", out / "profiling.csv")  # the project's own checks pass
    assert data.tool_names[-1] == "line_counter"
    rows = [r for r in csv.DictReader(open(out / "profiling.csv")) if r["tool"] == "line_counter"]
    assert len(rows) == 4 and {r["input_size"] for r in rows} == {"small", "large"}
    by_size = {s: [float(r["latency_ms"]) for r in rows if r["input_size"] == s] for s in ("small", "large")}
    # 20 lines sleep 570 ms longer than 1: measured (the margin is for a process start on a loaded core)
    assert min(by_size["large"]) > max(by_size["small"]) + 300
    assert len(load_tool_data(FIXTURE / "tools.json", FIXTURE / "profiling.csv").configs) + 4 == len(data.configs)
    summary = json.loads((out / "profile_summary.json").read_text())
    assert summary["rows"] == 4 and summary["failed"] == [] and summary["memory_limit"] in (["cgroup"], ["rlimit"])


def test_an_interrupted_run_resumes_without_measuring_again(tmp_path, inputs):
    assert _profile(tmp_path, inputs) == 0
    cells = (tmp_path / "out" / CELLS).read_text().splitlines()
    (tmp_path / "out" / CELLS).write_text("\n".join(cells[:3]) + "\n")  # as if stopped after three cells
    assert _profile(tmp_path, inputs) == 0
    again = (tmp_path / "out" / CELLS).read_text().splitlines()
    assert again[:3] == cells[:3] and len(again) == 4


def test_a_cell_that_fails_gets_no_row_and_says_why(tmp_path, inputs):
    small, _ = inputs
    profiler = Profiler(f"{sys.executable} -c \"import sys; sys.exit(3)\" {{input}}", None, {"small": [str(small)]},
                        warmup=0, repeats=1)
    record = profiler.measure(Cell("small", 1, 1.0, 0, 0), sorted(os.sched_getaffinity(0)))
    assert record["latency_ms"] is None and record["failed"].startswith("exit 3")
    hog = Profiler(f"{sys.executable} -c \"x = bytearray(3 * 2**30)\" {{input}}", None, {"small": [str(small)]},
                   warmup=0, repeats=1)
    record = hog.measure(Cell("small", 1, 0.5, 0, 0), sorted(os.sched_getaffinity(0)))  # 3 GB under a 0.5 GB cap
    assert record["latency_ms"] is None and "memory" in record["failed"]


def test_the_affinity_is_the_cells_cores(tmp_path, inputs):
    small, _ = inputs
    script = tmp_path / "cores.py"
    script.write_text("import os, sys\nsys.exit(len(os.sched_getaffinity(0)))\n")
    record = Profiler(f"{sys.executable} {script} {{input}}", None, {"small": [str(small)]}, warmup=0,
                      repeats=1).measure(Cell("small", 1, 1.0, 0, 0), sorted(os.sched_getaffinity(0)))
    assert record["failed"] == "exit 1"  # the tool saw exactly one core


def test_bad_input_is_one_line(tmp_path, inputs, capsys):
    assert _profile(tmp_path, inputs, "--cpu_cores", "999") == 2
    assert "only" in capsys.readouterr().err
    with pytest.raises(Exception, match="must contain"):
        tool_argv("python tool.py", None, "x")
    assert main(["profile", "x", "--command", "echo {input}", "--inputs", "huge=a.txt"]) == 2
    assert "SIZE one of small, medium, large" in capsys.readouterr().err


def test_a_cgroup_is_used_only_where_the_kernel_makes_one(tmp_path):
    """A folder that merely looks like /sys/fs/cgroup (no kernel-made memory.max in the child) is not used."""
    from tomas.profiler import cgroup_for

    assert cgroup_for(1.0, tmp_path) is None  # no cgroup.controllers: not cgroup v2
    (tmp_path / "cgroup.controllers").write_text("cpu io memory pids\n")
    assert cgroup_for(1.0, tmp_path) is None and [p.name for p in tmp_path.iterdir()] == ["cgroup.controllers"]


def test_a_bad_registry_entry_is_refused_before_measuring(tmp_path, inputs, capsys):
    assert _profile(tmp_path, inputs, "--input_sizes", '{"small": {"max_parsecs": 1}}') == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the new registry entry") and "input_sizes" in err and err.count("\n") == 1
    assert not (tmp_path / "out" / CELLS).exists()  # nothing was measured
