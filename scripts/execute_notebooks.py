"""Execute the series' notebooks in place, one line per notebook: what ``make notebooks`` runs.

Usage (from the repository root, in the project's environment)::

    python scripts/execute_notebooks.py                       # every notebooks/NN-*.ipynb, in order
    python scripts/execute_notebooks.py notebooks/03-*.ipynb  # these notebooks only

Each notebook runs top to bottom in a fresh kernel (its folder as the working directory, at most
1,200 s per cell, no timing metadata), then one line says how long it took and whether its
outputs changed. A notebook is written only when they did, so that ``make run`` on a clean
checkout leaves ``git status`` clean; "changed" means what nbval, which checks the stored
outputs, counts as a change:

- Printed text is compared as one block per stream. The kernel sends printed text on a timer, so
  a cell that prints, computes for a while and prints again may store one block or two; nbval
  joins them before comparing. Fresh outputs are written with consecutive blocks of one stream
  joined, so the stored split no longer depends on timing.
- A figure whose pixels are within nbval's tolerance of the stored one (the RMS difference of
  ``notebooks/conftest.py``, 1.0 on the 0-255 scale) keeps its stored bytes. A figure's last
  grey levels depend on the processor: the networks are trained anew on each machine (and under
  other numpy or OpenBLAS kernels), and a fool image that differs by 1e-16 can land one grey
  level over in some pixels. Such a figure is the same figure; its new bytes would be noise to
  commit.

A cell whose outputs differ in any other way gets its fresh outputs (and then the notebook's
fresh metadata is kept too). The kernel's transport is encrypted with CurveZMQ keys the kernel
manager provisions, which silences the kernel's warning "Kernel is running over TCP without
encryption" (one per notebook) at its source; the BLAS thread settings come from the environment
(the Makefile exports them). The first error stops the run, names the notebook and the cell, and
leaves that notebook as it was.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
import zmq
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: Seconds one cell may run (the series' budget is 5 s: this only stops a hung kernel).
CELL_TIMEOUT = 1200
_spec = importlib.util.spec_from_file_location("nbval_figures", NOTEBOOKS / "conftest.py")
nbval_figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbval_figures)


def series_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The numbered notebooks ``NN-*.ipynb`` of ``folder``, in series order."""
    notebooks = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        raise SystemExit(f"No notebook named NN-*.ipynb in {folder}: nothing to execute.")
    return notebooks


def join_streams(outputs: list) -> list:
    """A cell's outputs with each run of consecutive same-stream blocks joined into one.

    Parameters
    ----------
    outputs : list of dict
        A cell's outputs, as nbformat stores them (not modified).

    Returns
    -------
    list of dict
        The outputs, consecutive ``stream`` outputs of the same name (stdout or stderr) as one.
    """
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous["name"] == output["name"]):
            previous["text"] += output["text"]
        else:
            joined.append(copy.deepcopy(output))
    return joined


def _same_output(stored: dict, fresh: dict, tolerance: float) -> bool:
    if stored == fresh:
        return True
    stored_png = stored.get("data", {}).get("image/png")
    fresh_png = fresh.get("data", {}).get("image/png")
    if stored_png is None or fresh_png is None:
        return False
    rest = [{**output, "data": {k: v for k, v in output["data"].items() if k != "image/png"}}
            for output in (stored, fresh)]
    return rest[0] == rest[1] and not nbval_figures.figure_differences(
        [stored_png], [fresh_png], tolerance, "figure")


def same_outputs(stored: list, fresh: list, tolerance: float = nbval_figures.DEFAULT_TOLERANCE) -> bool:
    """Whether a cell's fresh outputs are its stored ones, as nbval would judge.

    Parameters
    ----------
    stored, fresh : list of dict
        The cell's outputs in the notebook on disk and after this run.
    tolerance : float
        Largest RMS pixel difference (0-255) of a figure that is still the same figure.

    Returns
    -------
    bool
        True when, after consecutive stream blocks are joined, every output is equal but for
        figures within ``tolerance`` of each other.
    """
    stored, fresh = join_streams(stored), join_streams(fresh)
    return len(stored) == len(fresh) and all(
        _same_output(old, new, tolerance) for old, new in zip(stored, fresh))


def merge_run(stored: nbformat.NotebookNode,
              fresh: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list]:
    """The notebook to write after a run, and the execution counts of the cells that changed.

    Parameters
    ----------
    stored : NotebookNode
        The notebook as it was on disk.
    fresh : NotebookNode
        The same notebook just executed (same cells, in the same order).

    Returns
    -------
    notebook : NotebookNode
        ``fresh``, but every cell whose outputs are the stored ones (:func:`same_outputs`) keeps
        its stored outputs byte for byte, the others get their fresh outputs with their streams
        joined; the stored notebook metadata is kept unless some cell changed.
    changed : list of int
        The execution counts (``In [n]``) of the cells whose outputs changed.
    """
    result = copy.deepcopy(fresh)
    changed = []
    for old, new in zip(stored.cells, result.cells):
        if new.cell_type != "code":
            continue
        if same_outputs(old.get("outputs", []), new.outputs):
            new.outputs = copy.deepcopy(old.outputs)
        else:
            new.outputs = [nbformat.from_dict(output) for output in join_streams(new.outputs)]
            changed.append(new.execution_count)
    if not changed:
        result.metadata = copy.deepcopy(stored.metadata)
    return result, changed


def kernel_config() -> Config:
    """The kernel manager's settings: transport encrypted with CurveZMQ keys it provisions, when
    pyzmq can (the kernel then does not warn that it runs over TCP without encryption)."""
    encryption = "auto" if zmq.has("curve") else "disabled"
    return Config({"KernelManager": {"transport_encryption": encryption}})


def execute(path: Path) -> tuple[float, list]:
    """Execute one notebook in place; return its seconds and the cells that changed (``In [n]``).

    The notebook is rewritten only when some output changed (:func:`merge_run`).
    """
    before = path.read_text(encoding="utf-8")
    stored = nbformat.reads(before, as_version=4)
    fresh = copy.deepcopy(stored)
    client = NotebookClient(fresh, kernel_name="python3", timeout=CELL_TIMEOUT, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}}, config=kernel_config())
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    result, changed = merge_run(stored, fresh)
    after = nbformat.writes(result) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
    return seconds, changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN-*.ipynb")
    arguments = parser.parse_args(argv)
    paths = arguments.notebooks or series_notebooks()
    print(f"Executing {len(paths)} notebook(s) in place, one line each "
          "(the whole series takes 1.5 to 3 minutes on 2 cores):", flush=True)
    total = 0.0
    for path in paths:
        try:
            seconds, changed = execute(path)
        except CellExecutionError as error:
            print(f"{path.name}: a cell failed; the notebook is left as it was.\n{error}", file=sys.stderr)
            return 1
        total += seconds
        outcome = ("outputs as stored" if not changed else
                   "written: new outputs in " + ", ".join(f"In [{count}]" for count in changed))
        print(f"  {path.name}: {seconds:.1f} s, {outcome}", flush=True)
    print(f"{len(paths)} notebook(s) executed in {total:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
