"""Export the planner's assets (the spec's command): `python script/export_classifier_weights.py ...`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # runs from a checkout without install

from tomas.cli import console  # noqa: E402

if __name__ == "__main__":
    console(["export", *sys.argv[1:]])
