"""Planner files: the example schema, writing the splits, and loading them (every label re-derived
from the oracle) or the hand-written test set.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from pathlib import Path

from tomas.config import HAND_FILE, HAND_FILES  # noqa: F401  (re-exported: tomas.data.planner)
from tomas.data import ToolData
from tomas.data.planner.oracle import ToolIndex
from tomas.data.planner.preferences import check_preference
from tomas.data.profiling import INPUT_SIZES, RESOURCES
from tomas.data.registry import _read_text
from tomas.errors import DataError
from tomas.io import atomic_write


@dataclass(frozen=True)
class PlannerExample:
    """One planner example; ``phrasing`` is the task template's id, used to split: "<tool>/<nn>" for
    ``PHRASE_BANK`` or generic templates, "<tool>/extra-<nnn>" for ``TRAINING_TEMPLATES`` (training only),
    "<tool>/registry-<n>" for ``REGISTRY_TEMPLATES``, "out_of_scope/<n>" for a request no tool serves
    (``out_of_scope.OUT_OF_SCOPE``, then ``TRAINING_OUT_OF_SCOPE`` numbered after it), "<tool>/scope-<nnn>",
    "<tool>/scope-w<nnn>" (an in-scope request as written, which is not scope-only) and "out_of_scope/scope-<nnn>"
    for a scope-only bank's (``scope_only``)."""

    id: str
    task: str
    tool: str | None
    """None: no registered tool serves the request (then ``input_size`` and ``config_id`` are None too)."""
    input_size: str | None
    free_resources: dict[str, float]
    latency_budget_ms: float | None
    config_id: int | None
    phrasing: str
    preference: str | None = None
    """The preference the task states (``preferences.PREFERENCES``), None = none; the label honours it."""
    size_in_text: bool = True
    """False: the task names its input without its size ("this photo"); ``input_size`` is then the one its
    label was drawn for, which the text does not say (training learns no size from it)."""
    scope_only: bool = False
    """True: the planner's terms learn from it only that a registered tool serves it (the scope head; with
    ``model.preferences`` also that it states none), not its tool, size or configuration: in-scope text from a
    writer whose wording should teach the scope head what people's requests look like without moving the other
    heads (the models fitted on every training line, such as the words' tool model, still read it). Evaluation
    scores it as any other example."""

    @property
    def states_size(self) -> bool:
        """In scope, with its input size and a text that states it: what the words' size evidence learns from and
        is chosen on (``model.size_lexical``)."""
        return self.tool is not None and bool(self.input_size) and self.size_in_text

    def to_json(self) -> str:
        """One JSONL line, keys in field order (``OPTIONAL`` ones only when not the default)."""
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)
                           if f.name not in OPTIONAL or getattr(self, f.name) != f.default}, ensure_ascii=False)


KEYS = tuple(f.name for f in fields(PlannerExample))
OPTIONAL = ("preference", "size_in_text", "scope_only")
"""Keys a line may leave out (files written before preferences existed have none)."""


def write_planner(splits: dict[str, list[PlannerExample]], out_dir: str | Path) -> dict[str, Path]:
    """Write ``<split>.jsonl`` per split, each atomically; split name -> path."""
    written = {}
    for split, examples in splits.items():
        text = "".join(e.to_json() + "\n" for e in examples)
        written[split] = atomic_write(Path(out_dir) / f"{split}.jsonl", lambda p, t=text: p.write_text(t))
    return written


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


OUT_OF_SCOPE_PHRASING = "out_of_scope/"
"""Phrasing prefix of the requests no registered tool serves."""


def _check_line(obj: object, data: ToolData,
                indexes: dict[str, ToolIndex]) -> str | tuple[str, str] | PlannerExample:
    """The example, or ``(field, problem)``, or a problem with the whole line."""
    problem = _check_keys(obj)
    if problem:
        return problem
    if obj["tool"] is None:
        return _check_out_of_scope(obj)
    problem = _check_request(obj, indexes) or _check_label(obj, data)
    if problem:
        return problem
    tool, size, budget = obj["tool"], obj["input_size"], obj["latency_budget_ms"]
    free = {f: float(obj["free_resources"][f]) for f in RESOURCES}
    budget = None if budget is None else float(budget)
    preference = obj.get("preference")
    expected = indexes[tool].choose(size, free, budget, preference)
    if obj["config_id"] != expected:
        wanted = "null (nothing fits)" if expected is None else str(expected)
        return "config_id", f"label disagrees with the oracle: expected {wanted}"
    return PlannerExample(obj["id"], obj["task"], tool, size, free, budget, obj["config_id"], obj["phrasing"],
                          preference, obj.get("size_in_text", True), obj.get("scope_only", False))


def _check_keys(obj: object) -> str | tuple[str, str] | None:
    """Exactly ``KEYS``, and non-empty strings where strings belong."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    for key in KEYS:
        if key not in obj and key not in OPTIONAL:
            return key, "missing"
    for key in obj:
        if key not in KEYS:
            return key, f"unexpected key (expected {', '.join(KEYS)}; {', '.join(OPTIONAL)} optional)"
    for key in ("id", "task", "phrasing"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            return key, "expected a non-empty string"
    for key in ("size_in_text", "scope_only"):
        if not isinstance(obj.get(key, False), bool):
            return key, f"expected true or false, got {obj[key]!r}"
    problem = check_preference(obj.get("preference"))
    return ("preference", problem) if problem else None


def _check_out_of_scope(obj: dict) -> tuple[str, str] | PlannerExample:
    """A request no tool serves: no input size, no configuration, an ``out_of_scope/`` phrasing."""
    for key in ("input_size", "config_id", "preference"):
        if obj.get(key) is not None:
            return key, "expected null for a request no tool serves (tool null)"
    for key in ("size_in_text", "scope_only"):
        if key in obj:
            return key, "unexpected for a request no tool serves (tool null)"
    if not obj["phrasing"].startswith(OUT_OF_SCOPE_PHRASING):
        return "phrasing", f"expected '{OUT_OF_SCOPE_PHRASING}<n>' with tool null, got {obj['phrasing']!r}"
    problem = _check_resources(obj)
    if problem:
        return problem
    budget = obj["latency_budget_ms"]
    return PlannerExample(obj["id"], obj["task"], None, None, {f: float(obj["free_resources"][f]) for f in RESOURCES},
                          None if budget is None else float(budget), None, obj["phrasing"])


def _check_request(obj: dict, indexes: dict[str, ToolIndex]) -> tuple[str, str] | None:
    """A known tool and input size, free resources and a budget that make sense."""
    tool, size = obj["tool"], obj["input_size"]
    if not isinstance(tool, str) or tool not in indexes:
        return "tool", f"unknown tool {tool!r} (not in the tool registry)"
    if not obj["phrasing"].startswith(f"{tool}/"):
        return "phrasing", f"expected '{tool}/<template number>', got {obj['phrasing']!r}"
    if size not in INPUT_SIZES:
        return "input_size", f"unknown input size {size!r} (expected one of {', '.join(INPUT_SIZES)})"
    if size not in indexes[tool].by_size:
        return "input_size", f"tool {tool!r} has no {size} configurations in the profiling table"
    return _check_resources(obj)


def _check_resources(obj: dict) -> tuple[str, str] | None:
    """Free resources and a latency budget that make sense."""
    free = obj["free_resources"]
    if not isinstance(free, dict) or set(free) != set(RESOURCES):
        return "free_resources", f"expected an object with exactly {', '.join(RESOURCES)}"
    for f in RESOURCES:
        if not _is_number(free[f]) or free[f] < 0:
            return f"free_resources.{f}", f"expected a non-negative number, got {free[f]!r}"
    budget = obj["latency_budget_ms"]
    if budget is not None and (not _is_number(budget) or budget <= 0):
        return "latency_budget_ms", f"expected null or a positive number, got {budget!r}"
    return None


def _check_label(obj: dict, data: ToolData) -> tuple[str, str] | None:
    """``config_id``: null, or one of this tool's configurations of this input size."""
    config_id, tool, size = obj["config_id"], obj["tool"], obj["input_size"]
    if config_id is None:
        return None
    if not isinstance(config_id, int) or isinstance(config_id, bool):
        return "config_id", f"expected null or an integer, got {config_id!r}"
    if not 0 <= config_id < len(data.configs):
        return "config_id", f"{config_id} is out of range (0..{len(data.configs) - 1})"
    config = data.configs[config_id]
    if config.tool != tool:
        return "config_id", f"{config_id} belongs to tool {config.tool!r}, not {tool!r}"
    if config.input_size != size:
        return "config_id", f"{config_id} is a {config.input_size} configuration, not {size}"
    return None


HAND_KEYS = ("id", "task", "free_resources", "latency_budget_ms", "tool", "input_size", "category")
"""A line of the hand-written test set (``data/planner_handwritten/requests.jsonl``); it may also say
the ``preference`` its task states."""


def _as_example(obj: dict, indexes: dict[str, ToolIndex]) -> dict:
    """A hand-written line as a full example line, to be checked like one: a stated size gets the oracle's label,
    an unstated one a stand-in size (its configuration is not scored)."""
    tool, size = obj["tool"], obj["input_size"]
    stand_in = size if size is not None or tool not in indexes else next(iter(indexes[tool].by_size))
    family = tool or OUT_OF_SCOPE_PHRASING.rstrip("/")
    full = {**obj, "input_size": stand_in, "phrasing": f"{family}/hand-{obj['category']}", "config_id": None}
    full.pop("category")
    full.pop("size_stated", None)
    if tool in indexes and stand_in in indexes[tool].by_size and _is_number_dict(obj["free_resources"]):
        preference = obj.get("preference") if check_preference(obj.get("preference")) is None else None
        free = {f: float(obj["free_resources"][f]) for f in RESOURCES}
        full["config_id"] = indexes[tool].choose(stand_in, free, obj["latency_budget_ms"], preference)
    return full


def tools_named(path: str | Path) -> set[str]:
    """The tools a hand-written set's lines name (out-of-scope lines name none; unreadable lines are
    ``load_handwritten``'s to report): a set written for another registry names tools it lacks."""
    named = set()
    for line in Path(path).read_text().splitlines() if Path(path).is_file() else []:
        try:
            named.add(json.loads(line).get("tool"))
        except (json.JSONDecodeError, AttributeError):
            pass
    return named - {None}


def load_dev(path: str | None, data: ToolData, log=print) -> list[PlannerExample]:
    """The hand-written validation requests at ``path``; none when it is null or names a tool ``data`` lacks
    (they were written for another registry)."""
    from tomas.config import shipped

    if not path:
        return []
    path = shipped(path)
    missing = sorted(tools_named(path) - {t.name for t in data.tools})
    if missing:
        log(f"  · {path}: not used (its requests need {', '.join(missing)}, not in this registry)")
        return []
    return load_handwritten(path, data)


def load_handwritten(path: str | Path, data: ToolData) -> list[PlannerExample]:
    """The hand-written test set as examples: its tool and input size are the human labels, the
    configuration is the oracle's for them; ``phrasing`` is "<tool>/hand-<category>". A request
    that states no size has ``input_size`` "" and ``config_id`` None: only its tool can be scored. A request
    no tool serves has tool null (its phrasing "out_of_scope/hand-<category>"): right when refused."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    indexes = {t.name: ToolIndex(data, t.name) for t in data.tools}
    out = []
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}: line {n}: not valid JSON ({e.msg})") from None
        if not isinstance(obj, dict) or set(obj) - {"preference", "size_stated"} != set(HAND_KEYS):
            raise DataError(f"{path}: line {n}: expected an object with exactly {', '.join(HAND_KEYS)} "
                            "(and optionally preference, size_stated)")
        tool, size = obj["tool"], obj["input_size"]
        if not isinstance(obj["category"], str) or not obj["category"]:
            raise DataError(f"{path}: line {n}: field category: expected a non-empty string")
        checked = _check_line(_as_example(obj, indexes), data, indexes)
        if not isinstance(checked, PlannerExample):
            where = f"field {checked[0]}: {checked[1]}" if isinstance(checked, tuple) else checked
            raise DataError(f"{path}: line {n}: {where}")
        out.append(checked if size is not None or tool is None else
                   PlannerExample(checked.id, checked.task, tool, "", checked.free_resources,
                                  checked.latency_budget_ms, None, checked.phrasing, checked.preference))
    if not out:
        raise DataError(f"{path}: no requests")
    return out


def _is_number_dict(free: object) -> bool:
    return isinstance(free, dict) and all(_is_number(free.get(f)) for f in RESOURCES)


def load_planner_examples(path: str | Path, data: ToolData) -> list[PlannerExample]:
    """Read and validate a planner JSONL file; every label must equal ``oracle_config``'s answer.

    A problem raises ``DataError`` with one line: ``"<path>: line <n>: field <key>: <problem>"``
    (without ``field`` when the whole line is wrong, e.g. invalid JSON).
    """
    from tomas.config import shipped

    path = Path(shipped(path))
    indexes = {t.name: ToolIndex(data, t.name) for t in data.tools}
    examples: list[PlannerExample] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            raise DataError(f"{path}: line {n}: empty line")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}: line {n}: invalid JSON at column {e.colno}: {e.msg}") from None
        result = _check_line(obj, data, indexes)
        if isinstance(result, str):
            raise DataError(f"{path}: line {n}: {result}")
        if isinstance(result, tuple):
            raise DataError(f"{path}: line {n}: field {result[0]}: {result[1]}")
        if result.id in first_line:
            raise DataError(f"{path}: line {n}: field id: duplicate id {result.id!r} (first at line "
                            f"{first_line[result.id]})")
        first_line[result.id] = n
        examples.append(result)
    return examples
