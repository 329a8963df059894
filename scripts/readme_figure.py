"""Copy the README's picture out of the stored outputs of the notebook that draws it.

The picture is the output of the code cell tagged ``readme-figure`` in notebook 02, so it is
always a figure the series really computed. ``make run`` calls this after executing the notebooks.

Usage: ``python scripts/readme_figure.py``
"""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02-fooling-logistic-regression.ipynb"
FIGURE = ROOT / "docs" / "fools.png"
TAG = "readme-figure"


def readme_figure(notebook: Path = NOTEBOOK) -> bytes:
    """Return the PNG bytes of the first image output of the cell tagged ``readme-figure``."""
    cells = nbformat.read(notebook, as_version=4).cells
    tagged = [cell for cell in cells if TAG in cell.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise SystemExit(f"{notebook.name}: expected one cell tagged {TAG!r}, found {len(tagged)}.")
    for output in tagged[0].get("outputs", []):
        if "image/png" in output.get("data", {}):
            return base64.b64decode(output["data"]["image/png"])
    raise SystemExit(f"{notebook.name}: the cell tagged {TAG!r} has no PNG output; execute it first.")


if __name__ == "__main__":
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    FIGURE.write_bytes(readme_figure())
    print(f"wrote {FIGURE.relative_to(ROOT)}")
