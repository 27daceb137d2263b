"""`tomas validate` and the CLI's error contract: one `error: ...` line, exit code 2, no traceback."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from tomas.cli import main, run_guarded
from tomas.data import load_tool_data
from tomas.errors import DataError, TomasError


def _validate(registry, profiling, cwd):
    return subprocess.run([sys.executable, "-m", "tomas.cli", "validate", "--tool_registry", str(registry),
                           "--profiling_data", str(profiling)], capture_output=True, text=True, cwd=cwd, timeout=120)


def _expected_message(small_data) -> str:
    with pytest.raises(DataError) as info:
        load_tool_data(small_data.registry, small_data.profiling)
    return str(info.value)


def _assert_user_error(result, message: str):
    assert result.returncode == TomasError.EXIT_CODE == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1
    assert result.stderr == f"error: {message}\n"


def test_cli_non_numeric_value(small_data, repo_root):
    small_data.set_cell(3, "gpu_sm", "twenty")
    message = _expected_message(small_data)
    assert message == f"{small_data.profiling}: row 3, column 'gpu_sm': 'twenty' is not a number"
    _assert_user_error(_validate(small_data.registry, small_data.profiling, repo_root), message)


def test_cli_missing_registry(small_data, repo_root):
    small_data.registry.unlink()
    _assert_user_error(_validate(small_data.registry, small_data.profiling, repo_root),
                       f"{small_data.registry}: file not found")


def test_cli_duplicate_configuration(small_data, repo_root):
    lines = small_data.lines()
    small_data.write_lines([*lines, lines[1]])
    message = _expected_message(small_data)
    assert message.startswith(f"{small_data.profiling}: rows 2 and 7: duplicate configuration")
    _assert_user_error(_validate(small_data.registry, small_data.profiling, repo_root), message)


def test_cli_non_utf8_profiling(small_data, repo_root):
    latin1_row = "caf\u00e9,small,1,1,1,1,1\n".encode("latin-1")
    small_data.profiling.write_bytes(small_data.profiling.read_bytes() + latin1_row)
    _assert_user_error(_validate(small_data.registry, small_data.profiling, repo_root), _expected_message(small_data))


@pytest.mark.parametrize("which", ["default", "other"])
def test_cli_validate_success(which, default_files, other_files, repo_root):
    registry, profiling = default_files if which == "default" else other_files
    result = _validate(registry, profiling, repo_root)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    tools = [t["name"] for t in json.loads(registry.read_text())]
    rows = list(csv.DictReader(profiling.read_text().splitlines()))
    lines = result.stdout.splitlines()
    assert lines[0].endswith(f"{registry}: {len(tools)} tools")
    assert lines[1].endswith(f"{profiling}: {len(rows)} configurations")
    tool_column = "tool" if "tool" in rows[0] else "tool_name"
    for name, line in zip(tools, lines[2:], strict=True):
        assert line.split()[:3] == [name, str(sum(r[tool_column] == name for r in rows)), "configs"]


def test_cli_validate_defaults_to_the_shipped_data(repo_root, default_files):
    result = subprocess.run([sys.executable, "-m", "tomas.cli", "validate"], capture_output=True, text=True,
                            cwd=repo_root, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"{len(json.loads(default_files[0].read_text()))} tools" in result.stdout


def test_main_in_process(small_data, capsys):
    small_data.set_cell(2, "latency_ms", "-1")
    code = main(["validate", "--tool_registry", str(small_data.registry),
                 "--profiling_data", str(small_data.profiling)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == f"error: {_expected_message(small_data)}\n"


def test_main_usage(capsys):
    assert main([]) == 2
    assert main(["no-such-command"]) == 2
    assert main(["--help"]) == 0
    assert "validate" in capsys.readouterr().out


def test_run_guarded_passes_other_exceptions_through():
    def boom(argv):
        raise RuntimeError("a bug, not a user error")

    with pytest.raises(RuntimeError):
        run_guarded(boom, [])
    assert run_guarded(lambda argv: len(argv), ["a", "b"]) == 2


@pytest.mark.parametrize("buffered", [True, False])
def test_a_closed_output_ends_the_command_quietly(default_files, repo_root, tmp_path, buffered):
    """`tomas validate | head -0`: the reader is gone before anything is written; the command ends with the
    shell's SIGPIPE code and nothing on stderr (no traceback, none at exit either), whether its output is
    block-buffered (a pipe's, outside tests) or not."""
    import os

    from tomas.cli import EXIT_BROKEN_PIPE

    registry, profiling = default_files
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | ({} if buffered else
                                                                              {"PYTHONUNBUFFERED": "1"})
    with open(tmp_path / "stderr", "w+") as err:
        child = subprocess.Popen([sys.executable, "-m", "tomas.cli", "validate", "--tool_registry", str(registry),
                                  "--profiling_data", str(profiling)], stdout=subprocess.PIPE, stderr=err,
                                 cwd=repo_root, env=env)
        child.stdout.close()  # long before the child has imported anything and printed
        assert child.wait(timeout=120) == EXIT_BROKEN_PIPE
        err.seek(0)
        assert err.read() == ""


def test_a_broken_pipe_that_is_not_the_output_is_not_hidden():
    """Another pipe that breaks (a worker's, a socket's) is a failure like any other: it propagates."""
    def worker_gone(argv):
        raise BrokenPipeError("a worker's pipe")

    with pytest.raises(BrokenPipeError):
        run_guarded(worker_gone, [])


def test_cli_bad_size_definitions(small_data, repo_root):
    """An ``input_sizes`` whose classes overlap is one line naming the file, the tool and the field."""
    entries = json.loads(small_data.registry.read_text())
    entries[0]["input_sizes"] = {"small": {"max_megapixels": 16}, "medium": {"max_megapixels": 0.5}, "large": {}}
    small_data.write_registry(entries)
    message = _expected_message(small_data)
    assert message.startswith(f"{small_data.registry}: tool #1 (image_classification): field 'input_sizes'")
    assert "overlap or are out of order" in message
    _assert_user_error(_validate(small_data.registry, small_data.profiling, repo_root), message)


def test_cli_prints_the_size_definitions(small_data, repo_root):
    entries = json.loads(small_data.registry.read_text())
    entries[0]["input_sizes"] = {"small": {"max_megapixels": 0.5}, "medium": {"max_megapixels": 16}, "large": {}}
    small_data.write_registry(entries)
    r = _validate(small_data.registry, small_data.profiling, repo_root)
    assert r.returncode == 0 and "sizes (megapixels): small ≤ 0.5, medium ≤ 16, large above" in r.stdout
    assert "sizes: from words only" in r.stdout  # the other tool has none
