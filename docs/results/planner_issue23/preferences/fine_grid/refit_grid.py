"""``python refit_grid.py RUN OUT {fine,eight}``: ``preferences/refit.py RUN OUT 0.01`` with the reader's threshold
chosen from the finer grid of rules.json (0.50, 0.51, ..., 0.99; ``lexical.PREFERENCE_GRID`` since session 22) or from
the eight values before it (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99), whichever the package ships."""
import runpy
import sys
from pathlib import Path

import tomas.models.lexical as lexical

GRIDS = {"fine": tuple(round(0.5 + 0.01 * k, 2) for k in range(50)),
         "eight": (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)}
lexical.PREFERENCE_GRID = GRIDS[sys.argv[3]]  # read by lexical.smallest_threshold at call time
sys.argv = [sys.argv[0], sys.argv[1], sys.argv[2], "0.01"]
runpy.run_path(str(Path(__file__).resolve().parents[1] / "refit.py"), run_name="__main__")
