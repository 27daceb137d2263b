"""Natural-language descriptions of a configuration, and parsing them back.

Template 0 is the canonical description (used for evaluation and the exported
assets); the others are phrasings for the ``variation`` augmentation. Every template
parses back into the same fields, which the exact-match evaluation relies on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

FIELDS = ("tool", "input_size", "cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb", "latency_ms")

TEMPLATES: tuple[str, ...] = (
    "Tool {tool} configuration: input size {input_size}, requires {cpu_cores} CPU {cores}, "
    "{memory_gb} GB memory, {gpu_sm} GPU SMs, {gpu_memory_gb} GB GPU memory, and latency is {latency_ms} ms.",
    "Configuration for {tool}: {input_size} input, {cpu_cores} CPU {cores}, {memory_gb} GB of memory, "
    "{gpu_sm} GPU SMs and {gpu_memory_gb} GB of GPU memory; expected latency {latency_ms} ms.",
    "{tool} on a {input_size} input with {cpu_cores} CPU {cores}, {memory_gb} GB RAM, {gpu_sm} GPU SMs "
    "and {gpu_memory_gb} GB GPU memory takes {latency_ms} ms.",
    "Using {cpu_cores} CPU {cores}, {memory_gb} GB memory, {gpu_sm} GPU SMs and {gpu_memory_gb} GB GPU "
    "memory, tool {tool} processes a {input_size} input in {latency_ms} ms.",
    "Resource profile of {tool} ({input_size} input): CPU cores {cpu_cores}, memory {memory_gb} GB, "
    "GPU SMs {gpu_sm}, GPU memory {gpu_memory_gb} GB, latency {latency_ms} ms.",
)
CANONICAL = 0

_NUMBER = r"\d+(?:\.\d+)?"
_PATTERNS: dict[str, str] = {
    "tool": r"\S+",
    "input_size": r"[A-Za-z][A-Za-z_-]*",
    "cores": r"cores?",
    **{f: _NUMBER for f in FIELDS[2:]},
}


def format_number(value: float) -> str:
    """Write a number the way a person does: ``4`` not ``4.0``, ``0.5`` stays ``0.5``."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def render(fields: Mapping[str, object], template_id: int = CANONICAL) -> str:
    """Describe a configuration (``fields`` holds at least ``FIELDS``)."""
    values = {f: format_number(fields[f]) if f in FIELDS[2:] else str(fields[f]) for f in FIELDS}
    values["cores"] = "core" if float(fields["cpu_cores"]) == 1 else "cores"
    return TEMPLATES[template_id].format(**values)


def _compile(template: str) -> re.Pattern:
    parts = re.split(r"(\{\w+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>{_PATTERNS[p[1:-1]]})" if p.startswith("{") else re.escape(p)
                    for p in parts)
    return re.compile(regex)


_COMPILED = tuple(_compile(t) for t in TEMPLATES)


def parse(description: str) -> dict[str, object] | None:
    """Read the fields back from any template's text; ``None`` if no template matches.

    Numbers come back as floats, ``tool`` and ``input_size`` as strings, plus the
    ``template_id`` that matched.
    """
    text = description.strip()
    for template_id, pattern in enumerate(_COMPILED):
        m = pattern.fullmatch(text)
        if m:
            out: dict[str, object] = {f: m[f] if f in FIELDS[:2] else float(m[f]) for f in FIELDS}
            out["template_id"] = template_id
            return out
    return None


def parse_fields(description: str) -> dict[str, str]:
    """Best-effort per-field reading of a possibly garbled canonical description.

    Each field is searched for on its own (by the words around it), so that
    per-field accuracy can be reported for texts that do not match as a whole.
    """
    cues = {
        "tool": r"Tool (\S+) configuration",
        "input_size": r"input size ([A-Za-z_-]+)",
        "cpu_cores": rf"requires ({_NUMBER}) CPU",
        "memory_gb": rf"({_NUMBER}) GB memory",
        "gpu_sm": rf"({_NUMBER}) GPU SMs",
        "gpu_memory_gb": rf"({_NUMBER}) GB GPU memory",
        "latency_ms": rf"latency is ({_NUMBER}) ms",
    }
    found = {}
    for field, cue in cues.items():
        m = re.search(cue, description)
        if m:
            found[field] = m[1]
    return found
