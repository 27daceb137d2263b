"""``tomas`` command line: one subcommand per stage.

Every subcommand turns a ``TomasError`` into one ``error: ...`` line and exit code 2.
"""

from __future__ import annotations

import gc
import importlib
import os
import select
import sys
from collections.abc import Callable

from tomas.config import nearest, parse_config
from tomas.config.commands import ConvertPlannerArgs, GeneratePlannerArgs, GenerateProfilingArgs, ValidateArgs
from tomas.errors import TomasError


def cmd_validate(argv: list[str]) -> int:
    from tomas.data import load_tool_data

    args, _ = parse_config(ValidateArgs, argv, prog="tomas validate")
    data = load_tool_data(args.tool_registry, args.profiling_data)
    print(f"✓ {args.tool_registry}: {len(data.tools)} tools")
    print(f"✓ {args.profiling_data}: {len(data.configs)} configurations")
    for tool, (name, ids) in zip(data.tools, data.tool_mask_map().items()):
        lat = [data.configs[i].latency_ms for i in ids]
        sizes = tool.input_sizes
        said = (f"  sizes ({sizes.unit}): " + ", ".join(f"{s} ≤ {top:g}" if top else f"{s} above"
                                                        for s, top in sizes.bounds)
                if sizes else "  sizes: from words only")
        print(f"  {name:<28} {len(ids):>5} configs  latency {min(lat):g}–{max(lat):g} ms{said}")
    return 0


def cmd_data(argv: list[str]) -> int:
    what = {"generate-profiling": generate_profiling, "generate-planner": generate_planner}
    if argv[:1] in (["-h"], ["--help"]):
        print("usage: tomas data {generate-profiling,generate-planner} [--help] ...\n\n"
              "  generate-profiling  a seeded synthetic profiling table\n"
              "  generate-planner    seeded planner examples (train/val/test JSONL)")
        return 0
    if not argv or argv[0] not in what:
        given = f"unknown data command {argv[0]!r}{nearest(argv[0], what)}; " if argv and argv[0][:1] != "-" else ""
        raise TomasError(f"tomas data: {given}say one of {', '.join(what)}")
    return what[argv[0]](argv[1:])


def generate_profiling(argv: list[str]) -> int:
    from tomas.data.generate import generate_profiling, write_profiling
    from tomas.data.registry import load_registry

    args, _ = parse_config(GenerateProfilingArgs, argv, prog="tomas data generate-profiling")
    rows = generate_profiling(load_registry(args.tool_registry), seed=args.seed)
    write_profiling(rows, args.output)
    print(f"✓ Wrote {len(rows)} rows to {args.output}")
    return 0


def generate_planner(argv: list[str]) -> int:
    from tomas.data import load_tool_data
    from tomas.data.planner import generate_planner, planner_stats, write_planner

    args, _ = parse_config(GeneratePlannerArgs, argv, prog="tomas data generate-planner")
    data = load_tool_data(args.tool_registry, args.profiling_data)
    splits = generate_planner(data, seed=args.seed, train_per_tool=args.train_per_tool,
                              val_per_tool=args.val_per_tool, test_per_tool=args.test_per_tool,
                              preference_share=args.preference_share, out_of_scope_share=args.out_of_scope_share)
    for split, path in write_planner(splits, args.output_dir).items():
        stats = planner_stats(splits[split])
        print(f"✓ Wrote {len(splits[split])} examples to {path} "
              f"({stats['out_of_scope']:.1%} out of scope, {stats['infeasible']:.1%} infeasible, "
              f"{stats['budgeted']:.1%} with a latency budget, {stats['preference']:.1%} stating a preference)")
    return 0


def cmd_convert_planner(argv: list[str]) -> int:
    from pathlib import Path

    from tomas.artifacts.planner import LEGACY_WEIGHTS, save_planner_folder, table_dir_of
    from tomas.errors import DataError
    from tomas.inference import load_planner

    args, _ = parse_config(ConvertPlannerArgs, argv, prog="tomas convert-planner")
    folder = Path(args.planner_dir)
    if not (folder / LEGACY_WEIGHTS).is_file():
        raise DataError(f"{folder}: no {LEGACY_WEIGHTS} to convert")
    old = load_planner(str(folder), device="cpu", legacy=True)
    table = table_dir_of(folder, old.meta)
    save_planner_folder(folder, old.model, old.meta, table)
    (folder / LEGACY_WEIGHTS).unlink()  # only now: the new files are all written
    print(f"✓ {folder}: converted to peft adapter + heads.safetensors + README.md (table from {table})")
    return 0


def _stage(module: str) -> Callable[[list[str]], int]:
    def run(argv: list[str]) -> int:
        return importlib.import_module(f"tomas.recipes.{module}").main(argv)

    run.module = module
    return run


COMMANDS: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "validate": (cmd_validate, "check the tool registry and profiling data"),
    "profile": (_stage("profile"), "measure your tool under resource limits: its profiling rows and registry entry"),
    "data": (cmd_data, "generate data files (generate-profiling, generate-planner)"),
    "pretrain": (_stage("pretrain"), "Phase 0: pre-train the resource encoder"),
    "export": (_stage("export"), "export config_weights.pt, config_lookup.json, tool_mask_map.json"),
    "evaluate": (_stage("evaluate"), "greedy exact-match evaluation of exported weights"),
    "run": (_stage("run"), "main job, task to plan: Phase 0 -> export -> evaluate -> planner -> a sample plan"),
    "bench": (_stage("bench"), "time Phase 0 training steps: samples/s, tokens/s, GFLOP/s vs this machine's peak"),
    "train": (_stage("train_planner"), "Phase 3/4: train the planner (LoRA + HierarchicalDecoder)"),
    "evaluate-planner": (_stage("evaluate_planner"), "planner accuracy vs the oracle on the test split"),
    "probe-planner": (_stage("probe_planner"), "train the decoder alone on frozen hidden states (fast check)"),
    "plan": (_stage("plan"), "plan a tool and its resources for a task (JSON resource plan)"),
    "add-tool": (_stage("add_tool"), "add a tool to a trained planner (rows from Phase 0's encoder, <= 50 examples)"),
    "convert-planner": (cmd_convert_planner, "rewrite an old-format planner folder in the current format"),
    "serve": (_stage("serve"), "the planner as an HTTP service (micro-batched, Prometheus /metrics)"),
}


def run_guarded(fn: Callable[[list[str]], int], argv: list[str], own_process: bool = False) -> int:
    """Run a stage; user errors become one line on stderr and exit code 2. ``own_process``: the stage is imported
    quietly first (``import_quietly``), under the same guard."""
    try:
        if own_process:
            import_quietly(fn)
        code = fn(argv)
        sys.stdout.flush()  # a closed output shows here, not at exit: the command's own output is short
        return code
    except TomasError as e:
        print(f"error: {e}", file=sys.stderr)
        return TomasError.EXIT_CODE
    except KeyboardInterrupt:
        print("\ninterrupted (resume with --resume auto)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not stdout_closed():  # another pipe broke (a worker, a socket): not ours to hide
            raise
        silence_stdout()  # whoever read the output stopped reading (`tomas plan ... | head -1`): end quietly, as
        return EXIT_BROKEN_PIPE  # Unix tools do, not with a traceback, nor another at exit


EXIT_BROKEN_PIPE = 128 + 13
"""The exit code of a command whose standard output was closed under it (a shell's for SIGPIPE)."""


def stdout_closed() -> bool:
    """Whether standard output's reader went away: what is still buffered cannot be written, or (unbuffered) its
    pipe reports an error to poll (no poll, as on Windows, or no file: not known, so not)."""
    try:
        sys.stdout.flush()
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except BrokenPipeError:
        return True
    except (OSError, ValueError, AttributeError):
        return False


def silence_stdout() -> None:
    """Standard output from now on goes nowhere (where it is a real file: the interpreter's last flush must not
    fail again)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is both of the first two
        pass


QUICK_EXIT = ("plan",)
"""Commands whose process of its own ends as soon as its output is written (``quick_exit``)."""


def import_quietly(stage: Callable[[list[str]], int]) -> None:
    """A process of its own imports its stage (torch, transformers: about a million objects that live as long as
    the process) with the garbage collector off, then freezes them out of the collector's sight: a one-plan
    `tomas plan` no longer pays for collecting them while they are made (docs/serving.md, "A fast start for one
    plan per process")."""
    module = getattr(stage, "module", None)
    if module is None:
        return
    gc.disable()
    try:
        importlib.import_module(f"tomas.recipes.{module}")
    finally:
        gc.freeze()
        gc.enable()


def quick_exit(code: int) -> None:
    """Ends the process without tearing down the modules it imported (~0.3 s with torch): everything it had to say
    is flushed first (an output whose reader went away ends it with ``EXIT_BROKEN_PIPE``), and nothing is left to
    save. Not under a tracer or profiler (coverage, cProfile), whose results are written at exit."""
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            code = EXIT_BROKEN_PIPE if stream is sys.stdout else code
        except (OSError, ValueError):  # a stream closed under it: nothing more to say to it
            pass
    os._exit(code)


def main(argv: list[str] | None = None, own_process: bool = False) -> int:
    """``argv``: the command's arguments (None: the command line's). ``own_process``: the process runs this one
    command and then exits (the `tomas` command, ``python -m tomas.cli``, the spec's wrappers: ``console``): its
    stage is imported quietly and `tomas plan` ends with a quick exit. A caller that goes on (tests, a notebook)
    keeps the default."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--version"]:
        from tomas import __version__

        print(f"tomas {__version__}")
        return 0
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        print(f"error: unknown command {argv[0]!r}{nearest(argv[0], COMMANDS)}", file=sys.stderr)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: tomas {" + ",".join(COMMANDS) + "} ...\n")
        for name, (_, help_) in COMMANDS.items():
            print(f"  {name:<17} {help_}")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    code = run_guarded(COMMANDS[argv[0]][0], argv[1:], own_process)
    if own_process and argv[0] in QUICK_EXIT:
        quick_exit(code)
    return code


def console(argv: list[str] | None = None) -> None:
    """The `tomas` command (``[project.scripts]``), ``python -m tomas.cli`` and the spec's wrappers (``argv``: their
    command and arguments): a process that runs one command."""
    sys.exit(main(argv, own_process=True))


if __name__ == "__main__":
    console()
