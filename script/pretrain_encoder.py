"""Phase 0 pre-training, the spec's command: `python script/pretrain_encoder.py --config FILE.yaml`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # runs from a checkout without install

from tomas.cli import console  # noqa: E402

if __name__ == "__main__":
    console(["pretrain", *sys.argv[1:]])
