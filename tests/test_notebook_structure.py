"""The notebooks as a reader meets them: the way to ``helpers`` (a line, and a check that says
what to do when the package is missing), links to the neighbours, code that fits the site's text
column. ``python scripts/notebook_links.py`` writes the navigation cells and the check.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebook_links", ROOT / "scripts" / "notebook_links.py")
notebook_links = importlib.util.module_from_spec(_spec)
sys.modules["notebook_links"] = notebook_links
_spec.loader.exec_module(notebook_links)

NOTEBOOKS = notebook_links.series_notebooks()
#: Characters of code the site's text column shows without scrolling sideways: measured in
#: Chromium on a notebook page at the site test's desktop viewport (1280 x 900, navigation shown):
#: the code block's inner width, 652 px, over the width of one character of its font (DejaVu Sans
#: Mono, 14 px: 8.43 px). Wider screens show 89.
CODE_COLUMNS = 77
MARKDOWN_LINK = re.compile(r"\]\(([^)\s#]+\.ipynb)(#[^)]*)?\)")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _cell(notebook: nbformat.NotebookNode, cell_id: str) -> tuple[int, nbformat.NotebookNode]:
    for index, cell in enumerate(notebook.cells):
        if cell.get("id") == cell_id:
            return index, cell
    raise AssertionError(f"no cell with id {cell_id!r}: run `python scripts/notebook_links.py`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_a_reader_of_a_lone_notebook_learns_how_to_get_helpers(path: Path):
    notebook = _read(path)
    index, cell = _cell(notebook, notebook_links.SETUP_CELL_ID)
    first_code = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    assert cell.cell_type == "markdown" and index < first_code, "the line must come before any code"
    assert "helpers" in cell.source and "make lab" in cell.source and "pip install -e ." in cell.source
    assert len(cell.source.splitlines()) == 1, "one line"
    url = notebook_links.repository_url()
    if url:
        assert f"]({url})" in cell.source, "the line links to the repository of site/_config.yml"


@pytest.mark.parametrize("position", range(len(NOTEBOOKS)), ids=lambda i: NOTEBOOKS[i].name[:2])
def test_each_notebook_ends_with_links_to_its_neighbours(position: int):
    notebook = _read(NOTEBOOKS[position])
    index, cell = _cell(notebook, notebook_links.NAVIGATION_CELL_ID)
    assert index == len(notebook.cells) - 1, "the navigation is the last cell"
    links = MARKDOWN_LINK.findall(cell.source)
    targets = [target for target, _ in links]
    expected = []
    if position > 0:
        expected.append(NOTEBOOKS[position - 1].name)
    if position < len(NOTEBOOKS) - 1:
        expected.append(NOTEBOOKS[position + 1].name)
    else:
        expected.append(NOTEBOOKS[0].name)  # back to the start
    assert targets == expected
    if position == len(NOTEBOOKS) - 1:
        assert f"]({notebook_links.REFERENCES_LINK})" in cell.source
        assert (NOTEBOOKS[0].parent / notebook_links.REFERENCES_LINK).resolve().is_file()


def _first_code_cell(path: Path) -> nbformat.NotebookNode:
    return next(cell for cell in _read(path).cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_the_first_code_cell_imports_helpers_inside_the_check(path: Path):
    source = _first_code_cell(path).source
    assert source.startswith(notebook_links.guard_code(notebook_links.repository_url()) + "\n\n"), (
        f"{path.name}: its first code cell does not start with the check: run "
        "`python scripts/notebook_links.py`"
    )


def test_the_check_is_put_once_and_replaced_when_its_text_changes():
    source = "import numpy as np\n"
    old = notebook_links.with_guard(source, notebook_links.guard_code(""))
    new = notebook_links.with_guard(old, notebook_links.guard_code("https://example.org/series"))
    assert new == notebook_links.guard_code("https://example.org/series") + "\n\n" + source
    assert notebook_links.with_guard(new, notebook_links.guard_code("https://example.org/series")) == new


def test_a_damaged_check_is_refused_with_the_fix():
    damaged = notebook_links.GUARD_FIRST_LINE + "\ntry:\n    import helpers\n"
    with pytest.raises(SystemExit, match="remove the damaged check by hand"):
        notebook_links.with_guard(damaged, notebook_links.guard_code(""))


def _python_without_helpers() -> tuple[list[str], dict[str, str]]:
    """A command and environment for this Python without ``helpers``: ``-S`` leaves out the
    site-packages' .pth files, among them the editable install's hook that finds ``helpers`` in
    this repository; the packages themselves stay importable through PYTHONPATH."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environment["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    return [sys.executable, "-S"], environment


def _says_what_to_do(text: str) -> bool:
    """Whether ``text`` (stderr) ends in the check's error, and not in Python's bare one."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # nbconvert colours the traceback
    message = notebook_links.helpers_message(notebook_links.repository_url())
    return f"ModuleNotFoundError: {message}" in text and "No module named 'helpers'" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_without_helpers_the_first_code_cell_says_what_to_do(path: Path, tmp_path: Path):
    python, environment = _python_without_helpers()
    result = subprocess.run([*python, "-c", _first_code_cell(path).source], cwd=tmp_path,
                            env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert _says_what_to_do(result.stderr), result.stderr[-2000:]


def test_a_notebook_executed_alone_without_helpers_says_what_to_do(tmp_path: Path):
    """``jupyter nbconvert --execute`` of notebook 01 copied into an empty folder, with a kernel
    whose Python has no ``helpers``: the error it ends with is the check's."""
    python, environment = _python_without_helpers()
    kernel = tmp_path / "jupyter" / "kernels" / "no-helpers"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [*python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python without helpers", "language": "python",
        "env": {"PYTHONPATH": environment["PYTHONPATH"]},
    }))
    alone = tmp_path / "downloads"
    alone.mkdir()
    shutil.copy(NOTEBOOKS[0], alone)
    jupyter = Path(sys.executable).with_name("jupyter")
    result = subprocess.run(
        [str(jupyter), "nbconvert", "--to", "notebook", "--execute", "--output-dir", str(tmp_path),
         "--ExecutePreprocessor.kernel_name=no-helpers", str(alone / NOTEBOOKS[0].name)],
        cwd=alone, env={**os.environ, "JUPYTER_PATH": str(tmp_path / "jupyter")},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    assert _says_what_to_do(result.stderr), result.stderr[-3000:]


def test_the_navigation_cells_are_what_the_script_writes():
    stale = notebook_links.refresh(check=True)
    assert not stale, (f"stale navigation or check in {[p.name for p in stale]}: "
                       "run `python scripts/notebook_links.py`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_links_between_notebooks_lead_to_notebooks_that_exist(path: Path):
    for cell in _read(path).cells:
        if cell.cell_type == "markdown":
            for target, _ in MARKDOWN_LINK.findall(cell.source):
                assert (path.parent / target).is_file(), f"{path.name} links to a missing {target}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_code_lines_fit_the_site_text_column(path: Path):
    too_long = [
        f"cell {index}, line {number}: {len(line)} characters: {line.strip()[:60]}"
        for index, cell in enumerate(_read(path).cells) if cell.cell_type == "code"
        for number, line in enumerate(cell.source.splitlines(), start=1) if len(line) > CODE_COLUMNS
    ]
    assert not too_long, (
        f"{path.name}: code lines wider than the site's {CODE_COLUMNS} columns:\n  " + "\n  ".join(too_long)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_each_notebook_title_carries_its_file_number(path: Path):
    """After a renumbering the title's "NN —" must follow the file name (the site's menu shows it)."""
    title = _read(path).cells[0].source.splitlines()[0]
    assert title.startswith(f"# {path.name[:2]} — "), f"{path.name} is titled {title!r}"
