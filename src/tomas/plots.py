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
