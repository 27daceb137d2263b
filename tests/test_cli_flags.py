"""Flags and commands, in process (``tomas.cli.main``): one spelling with its alias, and one ``error:`` line naming
the nearest right flag, command or value for a wrong one (never a traceback)."""

from __future__ import annotations

import pytest

from tomas.cli import main
from tomas.config import nearest, parse_config
from tomas.config.commands import AddToolArgs, EvaluatePlannerArgs, PlanArgs, ProfileArgs, ServeArgs
from tomas.errors import TomasError


def _run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as e:  # --help
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_flag_takes_both_spellings():
    args, _ = parse_config(PlanArgs, ["do it", "--planner-dir", "A", "--cpu_cores", "2", "--memory-gb=4", "--gpu-sm",
                                      "0", "--gpu_memory_gb", "0"])
    assert (args.task, args.planner_dir, args.cpu_cores, args.memory_gb) == ("do it", "A", 2.0, 4.0)


def test_on_off_flags_stand_alone_or_take_a_word():
    args, _ = parse_config(PlanArgs, ["--json", "do it", "--free", "auto", "--full_reader", "false"])
    assert (args.task, args.json, args.full_reader, args.free) == ("do it", True, False, "auto")


def test_list_flags_take_several_values_and_add_up():
    args, _ = parse_config(EvaluatePlannerArgs, ["--hand_file", "a", "b", "--baselines", "--device", "cpu"])
    assert (args.hand_file, args.baselines, args.device) == (["a", "b"], [], "cpu")
    args, _ = parse_config(ProfileArgs, ["t", "--inputs", "small=x", "--inputs", "large=y,z", "--callable", "m:f"])
    assert (args.name, args.inputs, args.callable) == ("t", ["small=x", "large=y,z"], "m:f")


@pytest.mark.parametrize("cls, argv, message", [
    (PlanArgs, ["t", "--free", "auto", "--emit", "slrum"],
     "tomas x: --emit slrum: not one of k8s, slurm, ray, docker, env (did you mean slurm?)"),
    (EvaluatePlannerArgs, ["--baselines", "tfid"],
     "tomas x: --baselines tfid: not one of tfidf, minilm (did you mean tfidf?)"),
    (PlanArgs, ["t", "--free", "auto", "--port", "1"], "tomas x: unrecognized arguments: --port 1"),
    (PlanArgs, ["t", "--free", "auto", "--gpu_sm", "x"], "tomas x: --gpu_sm x: expected float"),
    (PlanArgs, ["t"], "tomas x: the free resources are required: --cpu-cores --memory-gb --gpu-sm --gpu-memory-gb "
                      "(or --free auto)"),
    (AddToolArgs, ["t", "--tool_registry", "r"], "tomas x: missing --profiling_data"),
    (ServeArgs, ["--max_batch", "0"], "tomas x: the --max_* limits must be ≥ 1"),
])
def test_a_wrong_flag_is_one_line_that_says_what_is_right(cls, argv, message):
    with pytest.raises(TomasError) as e:
        parse_config(cls, argv, prog="tomas x")
    assert str(e.value) == message


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
    assert code == 2 and err.startswith(f"error: tomas plan: --device {device}: expected auto, cpu, cuda or cuda:N")
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


def test_a_yaml_list_is_one_value():
    from tomas.config import PlannerConfig

    for argv in (["--model.lora.target_modules", "[all-linear]"], ["--model.lora.target_modules=[all-linear]"],
                 ["--model.lora.target_modules", "all-linear"]):
        cfg, _ = parse_config(PlannerConfig, argv)
        assert cfg.model.lora.target_modules == ["all-linear"], argv


@pytest.mark.parametrize("argv, message", [
    (["export", "--device", "banana"], "error: tomas export: --device banana: expected auto, cpu, cuda or cuda:N\n"),
    (["train", "--training.device", "gpu"],
     "error: tomas train: --training.device gpu: expected auto, cpu, cuda or cuda:N (did you mean cpu?)\n"),
    (["profile"], "error: tomas profile: missing NAME\n"),
    (["data", "generate-planer"], "error: tomas data: unknown data command 'generate-planer' (did you mean "
                                  "generate-planner?); say one of generate-profiling, generate-planner\n"),
])
def test_every_command_checks_its_flags_before_it_starts(argv, message, capsys):
    code, out, err = _run(argv, capsys)
    assert (code, out, err) == (2, "", message)
