"""Flags and commands, in process (``tomas.cli.main``): one spelling with its alias, and one ``error:`` line naming
the nearest right flag, command or value for a wrong one (never a traceback)."""

from __future__ import annotations

import pytest

from tomas.cli import main
from tomas.flags import Parser, nearest, other_spelling


def _run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as e:  # argparse exits on a bad flag
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_flag_takes_both_spellings():
    p = Parser(prog="x")
    p.add_argument("--planner_dir")
    p.add_argument("--cpu-cores", dest="cpu_cores", type=float)
    args = p.parse_args(["--planner-dir", "A", "--cpu_cores", "2"])
    assert (args.planner_dir, args.cpu_cores) == ("A", 2.0)
    assert other_spelling("--a_b") == "--a-b" and other_spelling("--a-b") == "--a_b"
    assert other_spelling("--plain") is None and other_spelling("-x") is None


def test_an_unknown_flag_names_the_nearest_one(capsys):
    code, _, err = _run(["plan", "caption this", "--cpu-cores", "1", "--memory-gb", "1", "--gpu-sm", "1",
                         "--gpu-memory-gb", "1", "--planer_dir", "x"], capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: tomas plan: unrecognized arguments")
    assert "did you mean --planner_dir?" in err


def test_an_unknown_command_names_the_nearest_one(capsys):
    code, out, err = _run(["evalute"], capsys)
    assert code == 2 and err == "error: unknown command 'evalute' (did you mean evaluate?)\n"
    assert out.startswith("usage: tomas {")


@pytest.mark.parametrize("device", ["banana", "gpu", "cuda:x"])
def test_a_wrong_device_is_one_line(device, capsys, tmp_path):
    code, _, err = _run(["plan", "caption this", "--cpu-cores", "1", "--memory-gb", "1", "--gpu-sm", "1",
                         "--gpu-memory-gb", "1", "--planner_dir", str(tmp_path), "--device", device], capsys)
    assert code == 2 and err.startswith(f"error: --device {device}: expected auto, cpu, cuda or cuda:N")
    assert err.count("\n") == 1


def test_a_negative_budget_is_refused_before_anything_loads(capsys, tmp_path):
    code, out, err = _run(["plan", "caption this", "--cpu-cores", "1", "--memory-gb", "1", "--gpu-sm", "1",
                           "--gpu-memory-gb", "1", "--latency-budget-ms", "-5", "--planner_dir", str(tmp_path)],
                          capsys)
    assert code == 2 and out == ""
    assert err == "error: tomas plan: field latency_budget_ms: Input should be greater than 0\n"


def test_nearest():
    assert nearest("evalute", ["evaluate", "export"]) == " (did you mean evaluate?)"
    assert nearest("zzz", ["evaluate"]) == ""
