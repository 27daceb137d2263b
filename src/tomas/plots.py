"""PNG figures, the one way every plot in the project is made: headless, written atomically, closed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tomas.io import atomic_write


@contextlib.contextmanager
def png_figure(path: str | Path, figsize: tuple[float, float]) -> Iterator[tuple[object, object]]:
    """``with png_figure(path, (8, 4)) as (fig, ax): ...`` draws on one axes; on leaving the block
    the figure is written to ``path`` as a PNG (atomically, never half-written) and closed."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    try:
        yield fig, ax
        atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=110))
    finally:
        plt.close(fig)


def plot_phase0_history(history: list[dict], path: Path) -> None:
    """Losses and exact match (sampled checks, full checks) against training wall time."""
    with png_figure(path, (8, 4.5)) as (fig, ax):
        wall = [r["train_wall_s"] / 60 for r in history]

        def series(key: str, scale: float = 1.0):
            return [(w, scale * r[key]) for w, r in zip(wall, history) if r.get(key) is not None] or [(0, float("nan"))]

        ax.plot(*zip(*series("loss")), "o-", label="LM loss")
        ax.plot(*zip(*series("anchor_loss")), "s--", label="anchor loss", alpha=0.6)
        ax.set_yscale("log")
        ax.set_xlabel("training wall time (min)")
        ax.set_ylabel("loss")
        ax2 = ax.twinx()
        ax2.plot(*zip(*series("anchor_exact", 100)), "c.:", label="every slot right (%)")
        ax2.plot(*zip(*series("check_exact", 100)), "g.:", label="sampled check exact (%)")
        ax2.plot(*zip(*series("exact_match", 100)), "g^", markersize=9, label="all configurations exact (%)")
        ax2.set_ylim(0, 101)
        ax2.set_ylabel("exact match (%)")
        fig.legend(loc="upper center", ncol=3, fontsize="small")
        fig.tight_layout(rect=(0, 0, 1, 0.9))


def plot_planner_history(history: list[dict], path: Path) -> None:
    with png_figure(path, (8, 4.5)) as (fig, ax):
        ax.plot([r["step"] for r in history], [r["loss"] for r in history], "-", label="train loss")
        ax.set_yscale("log")
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("loss")
        ax2 = ax.twinx()
        ev = [r for r in history if "val_tool_accuracy" in r]
        for key, style in (("val_tool_accuracy", "g^-"), ("val_config_accuracy", "rs-")):
            ax2.plot([r["step"] for r in ev], [100 * r[key] for r in ev], style, label=key.replace("_", " ") + " (%)")
        ax2.set_ylim(0, 100)
        fig.legend(loc="upper center", ncol=3)
        fig.tight_layout()
