"""Data: tool registry, profiling table, text templates and the pre-training dataset."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from tomas.data.profiling import Configuration, load_profiling  # noqa: F401  (re-export)
from tomas.data.registry import Tool, load_registry
from tomas.errors import DataError


def tool_mask_map(tool_names: list[str], tool_of: list[str]) -> dict[str, list[int]]:
    """Tool name -> the ids of its configurations, ascending (``tool_of[i]``: configuration i's tool name);
    the one definition behind ``tool_mask_map.json``, the data's map and the exported table's."""
    return {name: [i for i, tool in enumerate(tool_of) if tool == name] for name in tool_names}


@dataclass(frozen=True)
class ToolData:
    """A validated registry and profiling table, and a fingerprint of both files' content."""

    tools: list[Tool]
    configs: list[Configuration]
    fingerprint: str

    @property
    def tool_names(self) -> list[str]:
        return [t.name for t in self.tools]

    def tool_id(self, name: str) -> int:
        return self.tool_names.index(name)

    def tool_mask_map(self) -> dict[str, list[int]]:
        return tool_mask_map(self.tool_names, [c.tool for c in self.configs])

    def subset(self, tool_names: list[str]) -> ToolData:
        """Only the configurations of ``tool_names`` (ids renumbered; for quick runs)."""
        unknown = sorted(set(tool_names) - set(self.tool_names))
        if unknown:
            raise DataError(f"data.tools: unknown tool(s) {', '.join(unknown)}")
        tools = [t for t in self.tools if t.name in tool_names]
        configs = [c for c in self.configs if c.tool in tool_names]
        configs = [replace(c, config_id=i) for i, c in enumerate(configs)]
        return ToolData(tools, configs, f"{self.fingerprint}:{','.join(t.name for t in tools)}")


def load_tool_data(tool_registry: str | Path, profiling_data: str | Path) -> ToolData:
    """Load and validate both files (raises ``DataError`` with a one-line message); the shipped default
    paths are found from any folder."""
    from tomas.config import shipped

    tool_registry, profiling_data = shipped(tool_registry), shipped(profiling_data)
    tools = load_registry(tool_registry)
    configs = load_profiling(profiling_data, tools)
    digest = hashlib.sha256()
    for path in (tool_registry, profiling_data):
        digest.update(Path(path).read_bytes())
    return ToolData(tools, configs, digest.hexdigest()[:16])
