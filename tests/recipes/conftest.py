"""One real pre-training run (tiny LLM, 3-tool fixture) shared by the stage tests, and a CLI runner.

Commands run through the real entry point (``tomas.cli.main``: the same argument handling, error lines and exit
codes) from the repository root with one CPU thread, in this process: a fresh Python importing torch for every
call made the suite minutes slower. What needs a process of its own still gets one: the spec's wrapper scripts
once (the shared pre-training run), ``experiments/`` tools, ``python -c`` snippets, runs that are killed or
served (``spawn``), and multi-process launches (test_ddp).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests/fixtures/other"
LM_STEPS, CHECK_EVERY, CHECKPOINT_FREQ, BATCH_SIZE = 12, 4, 2, 8

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
       "WANDB_MODE": "disabled", "PYTHONUNBUFFERED": "1"}
for _name in ("TOKENIZERS_PARALLELISM", "WANDB_MODE"):  # the same for commands run in this process
    os.environ.setdefault(_name, ENV[_name])


def config_yaml(registry: Path, profiling: Path, output_dir: Path) -> str:
    """A small, fast, deterministic Phase 0 config on the tiny random LLM (never the embedded one)."""
    return f"""\
data:
  tool_registry: {registry}
  profiling_data: {profiling}
  augmentation:
    mode: none
    num_copies: 1
model:
  llm_model: tiny
  encoder:
    num_heads: 4
    mlp_hidden: 64
  prefix:
    num_soft_prompt: 2
    expander_hidden: 64
training:
  anchor_batch_size: 8
  anchor_max_steps: 60
  anchor_polish_steps: 0   # the stage tests share one short run (the polish: tests/training/test_anchor_polish.py)
  anchor_check_every: 20
  batch_size: {BATCH_SIZE}
  max_steps: {LM_STEPS}
  learning_rate: 1.0e-2
  warmup_steps: 0
  check_every_steps: {CHECK_EVERY}
  check_size: 8
  target_loss: 1.0e+9    # the tiny LLM never gets below a real target: check at every record
  repair_rounds: 1
  repair_steps: 3
  checkpoint_freq: {CHECKPOINT_FREQ}
  save_every_steps: 1
  device: cpu
  num_threads: 1
  seed: 0
logging:
  wandb:
    enabled: false
output_dir: {output_dir}
"""


def run_cli(args: list[str], cwd: Path = REPO, timeout: float = 300, stdin: str | None = None
            ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=timeout, input=stdin)


WRAPPERS = {"script/pretrain_encoder.py": "pretrain", "script/export_classifier_weights.py": "export",
            "script/train.py": "train", "script/inference.py": "plan"}
"""The spec's wrapper scripts and the `tomas` command each is (script/README.md)."""


def run_tomas(args: list[str], cwd: Path = REPO, timeout: float = 300, stdin: str | None = None
              ) -> subprocess.CompletedProcess:
    """``run_cli``'s answer for a `tomas` command or a spec wrapper, run by ``tomas.cli.main`` in this process
    (anything else runs as a subprocess)."""
    import torch

    from tomas.cli import main

    if args[:2] == ["-m", "tomas.cli"]:
        argv = args[2:]
    elif args and args[0] in WRAPPERS:
        argv = [WRAPPERS[args[0]], *args[1:]]
    else:
        return run_cli(args, cwd, timeout, stdin)
    out, err, threads = io.StringIO(), io.StringIO(), torch.get_num_threads()
    torch.set_num_threads(1)
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            _stdin(stdin):
        try:
            code = main(argv)
        except SystemExit as e:  # --help
            code = e.code if isinstance(e.code, int) else int(e.code is not None)
        except Exception:  # what a subprocess would print before exiting 1
            traceback.print_exc()
            code = 1
        finally:
            torch.set_num_threads(threads)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(text: str | None):
    saved = sys.stdin
    sys.stdin = io.StringIO(text or "")
    try:
        yield
    finally:
        sys.stdin = saved


def spawn_cli(args: list[str], log_path: Path, cwd: Path = REPO) -> subprocess.Popen:
    """Start a command in the background, stdout + stderr to ``log_path``."""
    with open(log_path, "w") as log:
        return subprocess.Popen([sys.executable, *args], cwd=cwd, env=ENV, stdout=log, stderr=subprocess.STDOUT)


def read_metrics(path: Path) -> dict[tuple[str, int], dict]:
    """(stage, step) -> its LAST record (a killed run may have written a record that the resumed run rewrites)."""
    records = {}
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            records[(r["stage"], r["step"])] = r
    return records


@dataclass
class PretrainRun:
    config: Path
    """The YAML the run used (its output_dir is ``out``)."""
    registry: Path
    profiling: Path
    out: Path
    result: subprocess.CompletedProcess
    num_rows: int
    num_tools: int
    lm_steps: int = LM_STEPS
    check_every: int = CHECK_EVERY
    checkpoint_freq: int = CHECKPOINT_FREQ


@pytest.fixture(scope="session")
def cli():
    """``cli(["script/x.py", ...])`` or ``cli(["-m", "tomas.cli", ...])`` -> CompletedProcess."""
    return run_tomas


@pytest.fixture(scope="session")
def process_cli():
    """``cli`` in a process of its own, whatever the command (the wrapper tests)."""
    return run_cli


@pytest.fixture(scope="session")
def wrappers() -> dict[str, str]:
    return WRAPPERS


@pytest.fixture(scope="session")
def spawn():
    """``spawn(args, log_path)`` -> Popen of ``python args...`` running in the background."""
    return spawn_cli


@pytest.fixture(scope="session")
def metrics():
    """``metrics(path)`` -> {(stage, step): last record} of a pretrain_metrics.jsonl."""
    return read_metrics


@pytest.fixture(scope="session")
def make_config():
    """``make_config(registry, profiling, output_dir)`` -> YAML text of the shared run's config."""
    return config_yaml


@pytest.fixture(scope="session")
def pretrained(tmp_path_factory) -> PretrainRun:
    """`python script/pretrain_encoder.py --config run.yaml`: every stage on the 20-row, 3-tool fixture."""
    root = tmp_path_factory.mktemp("pretrain")
    registry, profiling = FIXTURE / "tools.json", FIXTURE / "profiling.csv"
    out = root / "run"
    config = root / "run.yaml"
    config.write_text(config_yaml(registry, profiling, out))
    result = run_cli(["script/pretrain_encoder.py", "--config", str(config)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    num_rows = len(profiling.read_text().strip().splitlines()) - 1
    num_tools = len(json.loads(registry.read_text()))
    return PretrainRun(config, registry, profiling, out, result, num_rows, num_tools)


# --- a tiny trained planner (test_planner_e2e, test_serve) -------------------------------------
TOMAS = ["-m", "tomas.cli"]
MAX_STEPS, EVAL_EVERY = 40, 20  # of the tiny planner run that the planner and service tests share


@dataclass
class PlannerRun:
    root: Path
    config: Path
    assets: Path
    data: Path
    out: Path
    result: object
    max_steps: int = MAX_STEPS
    eval_every: int = EVAL_EVERY


def planner_yaml(pretrained, data: Path, assets: Path, out: Path) -> str:
    return f"""\
data:
  tool_registry: {pretrained.registry}
  profiling_data: {pretrained.profiling}
  train_file: {data}/train.jsonl
  val_file: {data}/val.jsonl
  test_file: {data}/test.jsonl
  dev_file: {data}/dev.jsonl
  assets_dir: {assets}
model:
  llm_model: tiny
  lora: {{r: 4, alpha: 8}}
  head_learning_rate: 1.0e-2
  preferences: true        # the data states preferences (--preference_share 0.3): the planner reads them
  scope_rule: nearest      # as shipped: refusals by the nearest training request
training:
  batch_size: 8
  max_steps: {MAX_STEPS}
  learning_rate: 1.0e-2
  warmup_steps: 0
  eval_every_steps: {EVAL_EVERY}
  save_every_steps: 10
  device: cpu
  num_threads: 1
  seed: 0
output_dir: {out}
"""


def write_dev_file(data: Path) -> None:
    """``data/dev.jsonl``: the hand-written validation set's format, from every second test line (in and out of
    scope; with its stated preference, if any)."""
    keys = ("id", "task", "free_resources", "latency_budget_ms", "tool", "input_size", "preference")
    lines = [json.loads(line) for line in (data / "test.jsonl").read_text().splitlines()[::2]]
    (data / "dev.jsonl").write_text("".join(
        json.dumps({k: r[k] for k in keys if k in r} | {"category": "plain" if r["tool"] else "out_of_scope"}) + "\n"
        for r in lines))


@pytest.fixture(scope="session")
def planner_run(pretrained, tmp_path_factory) -> PlannerRun:
    root = tmp_path_factory.mktemp("planner")
    data, assets, out = root / "data", root / "assets", root / "planner"
    cli = run_tomas
    gen = cli([*TOMAS, "data", "generate-planner", "--tool_registry", str(pretrained.registry), "--profiling_data",
               str(pretrained.profiling), "--output_dir", str(data), "--train_per_tool", "60", "--val_per_tool", "10",
               "--test_per_tool", "20", "--preference_share", "0.3"])
    assert gen.returncode == 0, gen.stderr
    write_dev_file(data)
    ckpt = pretrained.out / "pretrained_encoder.pt"
    exp = cli(["script/export_classifier_weights.py", "--encoder_checkpoint", str(ckpt),
               "--tool_registry", str(pretrained.registry), "--profiling_data", str(pretrained.profiling),
               "--llm_model", "tiny", "--output_dir", str(assets), "--device", "cpu"])
    assert exp.returncode == 0, exp.stderr
    config = root / "train_planner.yaml"
    config.write_text(planner_yaml(pretrained, data, assets, out))
    result = cli(["script/train.py", "--config", str(config)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return PlannerRun(root, config, assets, data, out, result)
