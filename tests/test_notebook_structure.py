"""The notebooks as a reader meets them: the way to ``helpers``, links to the neighbours, code
that fits the site's text column.

Not yet run by ``make unit`` / ``make test`` (the Makefile's ``PENDING_TESTS``): the notebooks get
their navigation cells from ``python scripts/notebook_links.py`` once the notebook changes of the
same round are merged, and their long code lines are wrapped then; remove the ignore with them.
"""

import importlib.util
import re
import sys
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


def test_the_navigation_cells_are_what_the_script_writes():
    stale = notebook_links.refresh(check=True)
    assert not stale, f"stale navigation in {[p.name for p in stale]}: run `python scripts/notebook_links.py`"


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
