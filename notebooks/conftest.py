"""Figures compared too: a pytest plugin that extends nbval to the PNGs the notebooks draw.

nbval re-executes every cell and compares its text outputs with the stored ones, but never its
images. This plugin hooks each nbval cell item, in the same execution: once the cell has run and
its text matched, every PNG it produced (``item.test_outputs``) is compared with the PNG stored in
the notebook at the same position (``item.cell.outputs``) by matplotlib's image comparison, the
root-mean-square difference over pixels on the 0-255 scale (``matplotlib.testing.compare``). A
cell fails when it draws a different number of figures, a figure of another size, or one whose
RMS exceeds the tolerance. Cells whose outputs nbval does not check (``# NBVAL_IGNORE_OUTPUT``,
``--nbval-lax``) are not compared either. The stored, fresh and difference images of a failure
are written to ``_build/figure-diffs/`` (git-ignored) to look at.

Options: ``--nbval-figure-tol`` (default :data:`DEFAULT_TOLERANCE`), ``--nbval-figure-diffs``
(the folder of failed comparisons), ``--nbval-no-figures`` (text only, as plain nbval).
"""

from __future__ import annotations

import base64
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

#: Largest RMS pixel difference (0-255 scale) a re-rendered figure may have from the stored one.
#: Two renderings of the same figure by the same matplotlib are identical (RMS 0); an evolved
#: fool image that changes by a few pixels shifts a figure by far more than this.
DEFAULT_TOLERANCE: float = 1.0
#: Where the images of a failed comparison are written by default.
DIFF_FOLDER: Path = Path(__file__).resolve().parents[1] / "_build" / "figure-diffs"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nbval figures")
    group.addoption(
        "--nbval-figure-tol",
        type=float,
        default=DEFAULT_TOLERANCE,
        help="largest RMS pixel difference (0-255) between a re-rendered figure and the stored one "
        f"(default {DEFAULT_TOLERANCE})",
    )
    group.addoption(
        "--nbval-figure-diffs",
        type=Path,
        default=DIFF_FOLDER,
        help=f"folder for the stored, fresh and difference images of a failure (default {DIFF_FOLDER})",
    )
    group.addoption(
        "--nbval-no-figures",
        action="store_true",
        help="compare text outputs only, as plain nbval does",
    )


def png_outputs(outputs: list[Any]) -> list[str]:
    """The base64 PNGs of a cell's outputs, in order."""
    return [out["data"]["image/png"] for out in outputs if "image/png" in out.get("data", {})]


def figure_differences(
    stored: list[str], fresh: list[str], tolerance: float, name: str, diff_folder: Path | None = None
) -> list[str]:
    """Compare a cell's stored PNGs with the ones it drew again; return one line per problem.

    Parameters
    ----------
    stored, fresh : list of str
        Base64-encoded PNGs, as in a notebook's ``image/png`` outputs.
    tolerance : float
        Largest RMS difference allowed, on the 0-255 scale.
    name : str
        Prefix of the files written for a failed comparison (no path separators).
    diff_folder : Path, optional
        Where to write the stored, fresh and difference images of a failure; nothing is kept
        when ``None``.

    Returns
    -------
    list of str
        Empty when every figure matches.
    """
    from matplotlib.testing.compare import compare_images
    from matplotlib.testing.exceptions import ImageComparisonFailure

    if len(stored) != len(fresh):
        return [f"the cell drew {len(fresh)} figure(s); the notebook stores {len(stored)}"]
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        for k, (expected_png, actual_png) in enumerate(zip(stored, fresh)):
            if expected_png == actual_png:
                continue
            expected = Path(scratch) / f"{name}-figure{k}-stored.png"
            actual = Path(scratch) / f"{name}-figure{k}-fresh.png"
            expected.write_bytes(base64.b64decode(expected_png))
            actual.write_bytes(base64.b64decode(actual_png))
            try:
                result = compare_images(str(expected), str(actual), tolerance, in_decorator=True)
            except ImageComparisonFailure as exc:  # sizes differ
                problems.append(f"figure {k}: {exc}")
                result = None
                _keep(diff_folder, expected, actual)
                continue
            if result is not None:
                problems.append(
                    f"figure {k} differs from the stored one: RMS {result['rms']:.2f} > "
                    f"tolerance {tolerance} (0-255 scale)"
                )
                _keep(diff_folder, expected, actual, Path(result["diff"]))
    if problems and diff_folder is not None:
        problems.append(f"stored, fresh and difference images: {diff_folder}/{name}-figure*")
    return problems


def _keep(diff_folder: Path | None, *images: Path) -> None:
    if diff_folder is None:
        return
    diff_folder.mkdir(parents=True, exist_ok=True)
    for image in images:
        (diff_folder / image.name).write_bytes(image.read_bytes())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield  # nbval runs the cell and compares its text (raising if it differs)
    from nbval.plugin import IPyNbCell

    if (
        isinstance(item, IPyNbCell)
        and not item.config.getoption("nbval_no_figures")
        and item.options.get("check")
        and item.cell.execution_count is not None
    ):
        name = re.sub(r"[^\w.-]+", "_", f"{Path(str(item.fspath)).stem}-cell{item.cell_num}")
        problems = figure_differences(
            png_outputs(item.cell.outputs),
            png_outputs(item.test_outputs or []),
            item.config.getoption("nbval_figure_tol"),
            name,
            item.config.getoption("nbval_figure_diffs"),
        )
        if problems:
            item.raise_cell_error("Cell figures differ", "\n".join(problems))
    return result
