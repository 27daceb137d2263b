"""A small real tool for `tomas profile`: a 256-pixel JPEG thumbnail of an image (Pillow, Lanczos).

python examples/thumbnail.py INPUT [OUTPUT]   (default OUTPUT: a temporary file, removed)
"""

import sys
import tempfile
from pathlib import Path

from PIL import Image


def thumbnail(path: str, out: str | None = None) -> None:
    with Image.open(path) as image:
        image.draft("RGB", (512, 512))  # lets a JPEG decode at a reduced scale, as real thumbnailers do
        image = image.convert("RGB")
        image.thumbnail((256, 256), Image.Resampling.LANCZOS)
        if out:
            image.save(out, "JPEG", quality=85)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                image.save(Path(tmp) / "thumb.jpg", "JPEG", quality=85)


if __name__ == "__main__":
    thumbnail(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
