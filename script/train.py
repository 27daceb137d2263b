"""Phase 3/4 planner training: `python script/train.py --config configs/train_planner.yaml`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # runs from a checkout without install

from tomas.cli import run_guarded  # noqa: E402
from tomas.recipes.train_planner import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(run_guarded(main, sys.argv[1:]))
