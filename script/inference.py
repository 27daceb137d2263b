"""Planner inference: `python script/inference.py "TASK" --cpu-cores 8 --memory-gb 16 --gpu-sm 60 --gpu-memory-gb 8`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # runs from a checkout without install

from tomas.cli import console  # noqa: E402

if __name__ == "__main__":
    console(["plan", *sys.argv[1:]])
