"""Parsing: YAML + flags -> a typed config (jsonargparse), the spec's legacy flat flags, and errors
as one line."""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import types
import typing
from pathlib import Path

from tomas.config.paths import shipped

os.environ.setdefault("JSONARGPARSE_DEPRECATION_WARNINGS", "off")

LEGACY_FLAGS: dict[str, str] = {
    "--tool_registry": "--data.tool_registry",
    "--profiling_data": "--data.profiling_data",
    "--llm_model": "--model.llm_model",
    "--batch_size": "--training.batch_size",
    "--num_epochs": "--training.num_epochs",
    "--lr": "--training.learning_rate",
    "--target_loss": "--training.target_loss",
    "--augmentation_mode": "--data.augmentation.mode",
    "--num_augmented_copies": "--data.augmentation.num_copies",
    "--checkpoint_freq": "--training.checkpoint_freq",
    "--device": "--training.device",
    "--seed": "--training.seed",
    "--resume": "--training.resume",
}
"""The spec's flat flags that take a value -> dotted flag."""

LEGACY_SWITCHES: dict[str, tuple[str, str, str]] = {
    "--log_wandb": ("--logging.wandb.enabled", "true", "false"),
    "--fp16": ("--training.mixed_precision", "fp16", "no"),
    "--bf16": ("--training.mixed_precision", "bf16", "no"),
}
"""The spec's flat on/off flags -> (dotted flag, value when on, value for ``--flag=false``)."""

FALSE_WORDS = ("false", "0", "no", "off")
BOOL_WORDS = (*FALSE_WORDS, "true", "1", "yes", "on")


def field_kinds(config_cls: type, prefix: str = "") -> dict[str, object]:
    """Every flag of ``config_cls`` (dotted for nested configs) -> its type, ``None``-less."""
    hints, kinds = typing.get_type_hints(config_cls), {}
    for f in dataclasses.fields(config_cls):
        kind = hints[f.name]
        if typing.get_origin(kind) in (typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(kind) if a is not type(None)]
            kind = inner[0] if len(inner) == 1 else kind
        if dataclasses.is_dataclass(kind):
            kinds |= field_kinds(kind, f"{prefix}{f.name}.")
        else:
            kinds[prefix + f.name] = kind
    return kinds


def translate_legacy(argv: list[str], keys=None) -> list[str]:
    """Rewrite legacy flat flags (``--lr 1e-4``, ``--lr=1e-4``, ``--fp16``) to dotted ones (only where the config
    has the dotted key and not the flat one: ``--device`` stays itself in a command that has it)."""
    def applies(flag: str) -> bool:
        return keys is None or (flag[2:] not in keys and target(flag)[2:] in keys)

    def target(flag: str) -> str:
        return LEGACY_SWITCHES[flag][0] if flag in LEGACY_SWITCHES else LEGACY_FLAGS[flag]

    out: list[str] = []
    for arg in argv:
        name, eq, value = arg.partition("=")
        if name in LEGACY_SWITCHES and applies(name):
            flag, on, off = LEGACY_SWITCHES[name]
            out.extend([flag, off if eq and value.lower() in FALSE_WORDS else on])
        elif name in LEGACY_FLAGS and applies(name):
            out.extend([LEGACY_FLAGS[name], value] if eq else [LEGACY_FLAGS[name]])
        else:
            out.append(arg)
    return out


def spell_flags(argv: list[str], kinds: dict[str, object]) -> list[str]:
    """Flags as people write them -> as jsonargparse reads them: ``--cpu-cores`` is ``--cpu_cores``; a bare on/off
    flag (``--json``) is ``--json true``; a list flag takes every value after it and repeats add up
    (``--hand_file a b``, ``--inputs x --inputs y``; ``--baselines`` alone is the empty list); a YAML list
    (``--data.tools [a,b]``) is read as one."""
    out, lists, i = [], {}, 0
    while i < len(argv):
        arg, i = argv[i], i + 1
        if not arg.startswith("--") or arg == "--":
            out.append(arg)
            continue
        name, eq, value = arg.partition("=")
        name = "--" + name[2:].replace("-", "_")
        kind = kinds.get(name[2:])
        if kind is bool and not eq:
            take = i < len(argv) and argv[i].lower() in BOOL_WORDS
            out += [name, argv[i] if take else "true"]
            i += take
        elif typing.get_origin(kind) is list and not (value if eq else "".join(argv[i:i + 1])).startswith("["):
            values = [value] if eq else []
            while not eq and i < len(argv) and not argv[i].startswith("--"):
                values, i = values + [argv[i]], i + 1
            lists.setdefault(name, []).extend(values)
        else:
            out.append(name + eq + value)
    return out + [x for name, values in lists.items() for x in (name, json.dumps(values))]


def build_parser(config_cls: type, default_config: str | None = None, description: str = "", prog: str | None = None):
    """A jsonargparse parser for ``config_cls`` with ``--config FILE.yaml`` (and its ``POSITIONAL`` names as
    positional arguments)."""
    from jsonargparse import ActionConfigFile, ArgumentParser, set_parsing_settings

    set_parsing_settings(docstring_parse_attribute_docstrings=True)
    parser = ArgumentParser(prog=prog, description=description, exit_on_error=False,
                            default_config_files=[default_config] if default_config else None)
    positional = getattr(config_cls, "POSITIONAL", {})
    fields = {f.name: f for f in dataclasses.fields(config_cls)}
    for name, help_ in positional.items():
        required = fields[name].default is dataclasses.MISSING
        parser.add_argument(name, nargs=None if required else "?", help=help_)
    parser.add_argument("--config", action=ActionConfigFile, help="YAML configuration file.")
    parser.add_class_arguments(config_cls, nested_key=None, as_group=False, skip=set(positional))
    return parser


def parse_config(config_cls: type, argv: list[str], default_config: str | None = None, prog: str | None = None):
    """Parse ``argv`` (YAML + overrides + legacy flags) into ``(config, config_file)``, then run the config's
    ``check()``. Raises ``TomasError`` with one line on unknown flags (naming the nearest), wrong types or
    choices."""
    from tomas.errors import TomasError

    default_config = shipped(default_config) if default_config else None
    kinds = field_kinds(config_cls)
    parser = build_parser(config_cls, default_config, (config_cls.__doc__ or "").split("\n\n")[0], prog)
    try:
        ns = parser.parse_args(spell_flags(translate_legacy(argv, kinds), kinds))
    except Exception as e:  # jsonargparse raises argparse.ArgumentError
        where = f"{prog}: " if prog else ""
        raise TomasError(where + readable(" ".join(str(e).split()), kinds, getattr(config_cls, "POSITIONAL", ()))
                         ) from None
    files = ns.pop("config", None) or []
    used = str(files[-1]) if files else (default_config if default_config and Path(default_config).is_file() else None)
    ns.pop("__default_config__", None)
    cfg = parser.instantiate_classes(ns)
    config = config_cls(**{k: cfg[k] for k in cfg.keys() if "." not in k})
    try:
        for key in (k for k in kinds if k.rsplit(".", 1)[-1] == "device"):  # before anything loads
            check_device(_get(config, key), f"--{key}")
        if hasattr(config, "check"):
            config.check()
    except TomasError as e:
        raise TomasError(f"{prog}: {e}" if prog else str(e)) from None
    return config, used


def check_device(device: str, flag: str = "--device") -> None:
    """``auto``, ``cpu``, ``cuda`` or ``cuda:N``; anything else is a one-line error."""
    from tomas.errors import TomasError

    if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", str(device)):
        raise TomasError(f"{flag} {device}: expected auto, cpu, cuda or cuda:N"
                         f"{nearest(str(device), ('auto', 'cpu', 'cuda'))}")


def _get(config, dotted: str):
    for part in dotted.split("."):
        config = getattr(config, part)
    return config


def readable(message: str, kinds: dict[str, object], positional=()) -> str:
    """jsonargparse's message for people: the flag, what it takes, and the nearest right flag or choice."""
    if message.startswith("unrecognized arguments:"):
        unknown = [a.split("=")[0].lstrip("-") for a in message.split(":", 1)[1].split() if a.startswith("-")]
        return message + "".join(nearest(a, kinds, 0.6).replace("mean ", "mean --") for a in unknown)
    if message.startswith("the following arguments are required:"):
        names = [n.strip() for n in message.split(":", 1)[1].split(",")]
        return "missing " + ", ".join(n.upper() if n in positional else f"--{n}" for n in names)
    key = re.search(r'(?:Parser key|argument) "?([\w.]+)"?', message)
    given = re.search(r"(?:Given value|Got value): (.*?)(?: - |$)", message)
    if not key or key.group(1) not in kinds or not given:
        return message
    kind, value = kinds[key.group(1)], given.group(1).strip()
    each = typing.get_origin(kind) is list
    kind = typing.get_args(kind)[0] if each else kind
    if typing.get_origin(kind) is typing.Literal:
        options = typing.get_args(kind)
        wrong = next((v for v in re.findall(r"[\w-]+", value) if v not in options), value) if each else value
        return (f"--{key.group(1)} {wrong}: not one of {', '.join(map(str, options))}"
                f"{nearest(wrong, options)}")
    return f"--{key.group(1)} {value}: expected {'a list of ' if each else ''}{getattr(kind, '__name__', kind)}"


def nearest(word: str, choices, cutoff: float = 0.5) -> str:
    """`` (did you mean X?)`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=cutoff)
    return f" (did you mean {close[0]}?)" if close else ""


def replace_keys(config, values: dict):
    """``config`` with the dotted keys of ``values`` replaced (``{"data.train_file": "x"}``), a new object."""
    own = {k: v for k, v in values.items() if "." not in k}
    for head in {k.split(".", 1)[0] for k in values if "." in k}:
        inner = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(head + ".")}
        own[head] = replace_keys(getattr(config, head), inner)
    return dataclasses.replace(config, **own)


def from_dict(cls: type, values: dict):
    """Rebuild a (nested) config dataclass from ``dataclasses.asdict`` output (checkpoints)."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in values:
            continue
        value = values[f.name]
        kwargs[f.name] = from_dict(hints[f.name], value) if dataclasses.is_dataclass(hints[f.name]) else value
    return cls(**kwargs)
