"""Shared data fixtures: the shipped data, a second dataset, a small editable copy, the tiny tokenizer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items):
    """Every test under tests/recipes runs a recipe end to end: marked ``e2e``."""
    recipes = REPO / "tests" / "recipes"
    for item in items:
        if recipes in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)

SMALL_TOOLS = [
    {"name": "image_classification", "description": "Assigns category labels to an image."},
    {"name": "text_summarization", "description": "Condenses a long document into a short summary."},
]
SMALL_CSV = [
    "tool,input_size,cpu_core,cpu_mem_gb,gpu_sm,gpu_mem_gb,latency_ms",  # row 1
    "image_classification,small,2,4,20,2,64",  # row 2
    "image_classification,medium,4,8,50,4,71",  # row 3
    "image_classification,large,8,16,80,8,120",  # row 4
    "text_summarization,small,2,4,20,2,500",  # row 5
    "text_summarization,large,8,16,80,8,930",  # row 6
]


class SmallData:
    """A small valid registry + profiling pair in a temporary folder, edited line by line by a test."""

    def __init__(self, folder: Path):
        self.registry = folder / "tools.json"
        self.profiling = folder / "profiling.csv"
        self.write_registry(SMALL_TOOLS)
        self.write_lines(SMALL_CSV)

    def write_registry(self, entries) -> None:
        self.registry.write_text(entries if isinstance(entries, str) else json.dumps(entries, indent=2))

    def lines(self) -> list[str]:
        return self.profiling.read_text().splitlines()

    def write_lines(self, lines: list[str]) -> None:
        self.profiling.write_text("\n".join(lines) + "\n")

    def set_cell(self, row: int, column: str, value: str) -> None:
        """Replace one cell; ``row`` is numbered as a spreadsheet shows it (header = 1)."""
        lines = self.lines()
        col = lines[0].split(",").index(column)
        cells = lines[row - 1].split(",")
        cells[col] = value
        lines[row - 1] = ",".join(cells)
        self.write_lines(lines)


@pytest.fixture
def small_data(tmp_path) -> SmallData:
    return SmallData(tmp_path)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def default_files() -> tuple[Path, Path]:
    return REPO / "data/tool_registry/tools.json", REPO / "data/profiling/profiling.csv"


@pytest.fixture(scope="session")
def other_files() -> tuple[Path, Path]:
    folder = REPO / "tests/fixtures/other"
    return folder / "tools.json", folder / "profiling.csv"


@pytest.fixture(scope="session")
def default_data(default_files):
    from tomas.data import load_tool_data

    return load_tool_data(*default_files)


@pytest.fixture(scope="session")
def other_data(other_files):
    from tomas.data import load_tool_data

    return load_tool_data(*other_files)


@pytest.fixture(scope="session")
def tokenizer():
    from tomas.models.llm import load_tokenizer

    return load_tokenizer("tiny")


@pytest.fixture(scope="module")
def other_table(tmp_path_factory):
    """The ``tests/fixtures/other`` data and the ``ConfigTable`` of a random-row export of it."""
    import torch

    from tomas.artifacts.assets import save_assets
    from tomas.data import load_tool_data
    from tomas.models.config_table import ConfigTable

    fixture = REPO / "tests/fixtures/other"
    data = load_tool_data(fixture / "tools.json", fixture / "profiling.csv")
    out = tmp_path_factory.mktemp("assets")
    save_assets(torch.randn(len(data.configs), 8), data, out, log=lambda *_: None)
    return data, ConfigTable.from_assets(out)
