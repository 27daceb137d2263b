"""Sample inputs for profiling examples/thumbnail.py: one PNG per size class (the registry's image classes:
small ≤ 0.5 MP, medium ≤ 16 MP, large above).

python examples/make_images.py OUT_DIR
"""

import sys
from pathlib import Path

from PIL import Image

SIZES = {"small": (640, 480), "medium": (3264, 2448), "large": (6000, 4000)}  # 0.3, 8.0, 24 MP


def make(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, (w, h) in SIZES.items():
        # a smooth gradient with seeded noise: compresses like a photo, not like a flat colour
        noise = Image.effect_noise((w, h), 40).convert("RGB")
        gradient = Image.linear_gradient("L").resize((w, h)).convert("RGB")
        Image.blend(gradient, noise, 0.5).save(out / f"{name}.png")
        print(f"{out / f'{name}.png'}: {w}x{h} ({w * h / 1e6:.1f} MP)")


if __name__ == "__main__":
    make(sys.argv[1])
