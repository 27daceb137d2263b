#!/usr/bin/env python3
"""(Re)assign free_resources and latency_budget_ms in requests.jsonl: planner_handwritten2's script (the same
palette of 20 machines, latency_budget_ms null), seeded random.Random("dev2-issue23"). Standard library only.
Usage: python3 make_resources.py
"""
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "planner_handwritten2", "make_resources.py")

if __name__ == "__main__":
    spec = importlib.util.spec_from_file_location("hand2_resources", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(os.path.join(HERE, "requests.jsonl"), "dev2-issue23")
