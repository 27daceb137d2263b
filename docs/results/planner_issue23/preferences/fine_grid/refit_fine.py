"""``python refit_fine.py RUN OUT``: ``preferences/refit.py RUN OUT 0.01`` with the reader's threshold chosen from the
finer grid of rules.json (0.50, 0.51, ..., 0.99) instead of ``lexical.PREFERENCE_GRID``."""
import runpy
import sys
from pathlib import Path

import tomas.models.lexical as lexical

lexical.PREFERENCE_GRID = tuple(round(0.5 + 0.01 * k, 2) for k in range(50))
sys.argv = [sys.argv[0], sys.argv[1], sys.argv[2], "0.01"]
runpy.run_path(str(Path(__file__).resolve().parents[1] / "refit.py"), run_name="__main__")
