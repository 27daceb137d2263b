"""TOMAS-LLM: a resource-aware tool planner built on a frozen causal LLM."""

__version__ = "0.1.0"
