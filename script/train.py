"""Phase 3/4 planner training: `python script/train.py --config configs/train_planner.yaml`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # runs from a checkout without install

from tomas.cli import console  # noqa: E402

if __name__ == "__main__":
    console(["train", *sys.argv[1:]])
