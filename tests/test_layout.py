"""The folder layout is the architecture: recipes sit on the library, never on each other."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src/tomas"


def tomas_imports(path: Path) -> set[str]:
    """Every ``tomas.*`` module ``path`` imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tomas"):
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}  # `from tomas.recipes import pretrain`
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("tomas")}
    return out


def test_no_recipe_imports_another_but_the_main_job():
    recipes = {p.stem for p in (PACKAGE / "recipes").glob("*.py") if p.stem != "__init__"}
    for path in (PACKAGE / "recipes").glob("*.py"):
        if path.stem in ("run", "__init__"):
            continue
        others = {m for m in tomas_imports(path) if m.startswith("tomas.recipes.") and m.split(".")[2] in recipes}
        assert not others, f"{path.name} imports {sorted(others)}"


def test_the_library_never_imports_a_recipe():
    for path in PACKAGE.rglob("*.py"):
        if "recipes" in path.parts or path.name == "cli.py":  # the command line dispatches to recipes
            continue
        assert not [m for m in tomas_imports(path) if m.startswith("tomas.recipes")], path


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports: ``from tomas.x import y`` is module ``tomas.x.y`` if there is
    one (a submodule: its package is already initialising), else ``tomas.x``."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tomas"):
            out |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                    for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out & modules


def test_no_import_cycle_even_through_imports_inside_functions():
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: imported_modules(path, set(modules)) - {name} for name, path in modules.items()}
    state: dict[str, str] = {}  # depth-first search: "open" on the current path, "done" when fully explored

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for other in sorted(graph[name]):
            assert state.get(other) != "open", "import cycle: " + " -> ".join([*path, name, other])
            if other not in state:
                visit(other, [*path, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_default_paths_are_written_once_in_the_config_module():
    """Every command's default locations come from ``tomas.config`` (docstrings aside)."""
    from tomas import config

    defaults = {config.REGISTRY, config.PROFILING, config.ASSETS, config.PLANNER_DIR, config.ENCODER_CHECKPOINT,
                config.CONFIG_WEIGHTS, config.PLANNER_DATA, config.PROFILES, *config.HAND_FILES}
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "config/paths.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(n.value) for n in ast.walk(tree)
                      if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
        found += [f"{path.relative_to(PACKAGE)}:{n.lineno}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and id(n) not in docstrings
                  and (n.value in defaults or str(n.value).startswith(("data/", "configs/", "assets/")))]
    assert not found, found
