"""TOMAS-LLM: a resource-aware tool planner built on a frozen causal LLM."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # ``from tomas import Planner`` without importing torch for ``tomas --version``.
    if name in ("Planner", "Plan", "PlanResult"):
        from tomas import api

        return getattr(api, name)
    raise AttributeError(f"module 'tomas' has no attribute {name!r}")
