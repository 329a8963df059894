"""scripts/execute_notebooks.py (``make notebooks``): which outputs count as changed, and a real run.

The whole ``make run`` on a clean clone is tests/test_make_run_clean.py (slow: its own phase of
``make test``).
"""

import base64
import importlib.util
import io
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "scripts" / "execute_notebooks.py")
execute_notebooks = importlib.util.module_from_spec(_spec)
sys.modules["execute_notebooks"] = execute_notebooks
_spec.loader.exec_module(execute_notebooks)


def _stream(text: str, name: str = "stdout") -> dict:
    return nbformat.v4.new_output("stream", name=name, text=text)


def _png(pixels: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(pixels: np.ndarray, text: str = "<Figure size 400x300 with 1 Axes>") -> dict:
    return nbformat.v4.new_output("display_data", data={"image/png": _png(pixels), "text/plain": text})


@pytest.fixture
def grey() -> np.ndarray:
    """A 60 x 80 RGB image of mid-grey levels."""
    return np.full((60, 80, 3), 120, dtype=np.uint8)


def test_consecutive_blocks_of_one_stream_are_joined_and_others_kept_apart(grey):
    outputs = [_stream("a\n"), _stream("b\n"), _stream("warning\n", "stderr"), _stream("c\n"),
               _figure(grey), _stream("d\n"), _stream("e\n")]
    joined = execute_notebooks.join_streams(outputs)
    assert [(o["output_type"], o.get("name"), o.get("text")) for o in joined] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "warning\n"), ("stream", "stdout", "c\n"),
        ("display_data", None, None), ("stream", "stdout", "d\ne\n")]
    assert outputs[0]["text"] == "a\n", "the outputs given are not modified"


def test_text_split_in_two_blocks_is_the_same_output():
    assert execute_notebooks.same_outputs([_stream("a\nb\n")], [_stream("a\n"), _stream("b\n")])


def test_other_text_is_a_change():
    assert not execute_notebooks.same_outputs([_stream("P = 0.99\n")], [_stream("P = 0.98\n")])
    assert not execute_notebooks.same_outputs([_stream("a\n")], [_stream("a\n"), _stream("a\n", "stderr")])


def test_a_figure_a_few_grey_levels_off_in_some_pixels_is_the_same_figure(grey):
    fresh = grey.copy()
    fresh[:10, :10] += 1  # 100 of 4,800 pixels one grey level up: RMS 0.14
    assert _png(fresh) != _png(grey)
    assert execute_notebooks.same_outputs([_figure(grey)], [_figure(fresh)])


def test_a_figure_beyond_nbvals_tolerance_is_a_change(grey):
    fresh = grey.copy()
    fresh[:30] = 255  # half the image white: RMS far above 1.0
    assert not execute_notebooks.same_outputs([_figure(grey)], [_figure(fresh)])


def test_a_figure_of_another_size_or_caption_is_a_change(grey):
    assert not execute_notebooks.same_outputs([_figure(grey)], [_figure(grey[:50])])
    assert not execute_notebooks.same_outputs(
        [_figure(grey)], [_figure(grey, "<Figure size 500x300 with 1 Axes>")])


def _notebook(*cells_outputs: list) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# Title", id="title")]
    for number, outputs in enumerate(cells_outputs, start=1):
        cell = nbformat.v4.new_code_cell(f"cell_{number}()")
        cell.id = f"cell-{number}"
        cell.execution_count = number
        cell.outputs = [nbformat.from_dict(output) for output in outputs]
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    return notebook


def test_a_run_keeps_the_stored_bytes_of_unchanged_cells_and_writes_changed_ones_joined(grey):
    fresh_grey = grey.copy()
    fresh_grey[0, 0] += 1
    stored = _notebook([_stream("a\nb\n")], [_figure(grey)], [_stream("old\n")])
    fresh = _notebook([_stream("a\n"), _stream("b\n")], [_figure(fresh_grey)],
                      [_stream("new\n"), _stream("er\n")])
    fresh.metadata["language_info"]["version"] = "3.11.8"
    result, changed = execute_notebooks.merge_run(stored, fresh)
    assert result.cells[1].outputs == stored.cells[1].outputs
    assert result.cells[2].outputs == stored.cells[2].outputs  # the stored PNG, byte for byte
    assert [o["text"] for o in result.cells[3].outputs] == ["new\ner\n"]
    assert changed == [3]
    assert result.metadata["language_info"]["version"] == "3.11.8", "a changed run records its kernel"


def test_a_run_that_changes_nothing_gives_back_the_stored_notebook(grey):
    stored = _notebook([_stream("a\n"), _stream("b\n")], [_figure(grey)])
    fresh = _notebook([_stream("a\nb\n")], [_figure(grey)])
    fresh.metadata["language_info"]["version"] = "3.11.8"
    result, changed = execute_notebooks.merge_run(stored, fresh)
    assert changed == []
    assert nbformat.writes(result) == nbformat.writes(stored)


def test_executing_a_notebook_prints_nothing_of_the_kernel_and_rewrites_only_a_change(tmp_path, capfd):
    """A real kernel: a cell that prints, waits past the kernel's flush interval and prints again.
    Executed twice, the notebook is written once (its outputs joined), then left alone; the
    kernel's warning about TCP without encryption is not printed."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import time\nprint('before')\ntime.sleep(0.5)\nprint('after')")])
    path = tmp_path / "01-test.ipynb"
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    assert execute_notebooks.main([str(path)]) == 0
    first = path.read_text(encoding="utf-8")
    outputs = nbformat.reads(first, as_version=4).cells[0].outputs
    assert [(o["name"], o["text"]) for o in outputs] == [("stdout", "before\nafter\n")]
    mtime = path.stat().st_mtime_ns
    assert execute_notebooks.main([str(path)]) == 0
    assert path.read_text(encoding="utf-8") == first and path.stat().st_mtime_ns == mtime
    printed = capfd.readouterr()
    assert "without encryption" not in printed.out + printed.err
    lines = [line for line in printed.out.splitlines() if "01-test.ipynb" in line]
    assert len(lines) == 2
    assert lines[0].endswith("written: new outputs in In [1]") and lines[1].endswith("outputs as stored")


def test_a_failing_cell_names_the_notebook_and_leaves_it_as_it_was(tmp_path, capfd):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    path = tmp_path / "02-broken.ipynb"
    text = nbformat.writes(notebook) + "\n"
    path.write_text(text, encoding="utf-8")
    assert execute_notebooks.main([str(path)]) == 1
    assert path.read_text(encoding="utf-8") == text
    printed = capfd.readouterr()
    assert "02-broken.ipynb: a cell failed" in printed.err and "ZeroDivisionError" in printed.err
