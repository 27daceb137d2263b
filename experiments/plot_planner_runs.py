"""Plot validation config accuracy over optimizer steps for several planner runs (the ablation figure).

python experiments/plot_planner_runs.py OUT.png LABEL=path/to/planner_metrics.jsonl [LABEL=...]
"""

import json
import sys
from pathlib import Path

from tomas.plots import png_figure


def main(argv: list[str]) -> int:
    if len(argv) < 2 or any("=" not in a for a in argv[1:]):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with png_figure(argv[0], (7, 4)) as (fig, ax):
        for arg in argv[1:]:
            label, path = arg.split("=", 1)
            evals = [r for r in map(json.loads, Path(path).read_text().splitlines()) if "val_config_accuracy" in r]
            ax.plot([r["step"] for r in evals], [100 * r["val_config_accuracy"] for r in evals], "o-", label=label)
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("validation config accuracy (%)")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
    print(f"✓ {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
