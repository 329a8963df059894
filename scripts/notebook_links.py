"""Insert or refresh each notebook's navigation cells and its check for ``helpers``.

Usage (from the repository root, in the project's environment)::

    python scripts/notebook_links.py          # rewrite the notebooks whose cells are missing or stale
    python scripts/notebook_links.py --check  # change nothing; exit 1 and name the stale notebooks

Two markdown cells, found again by their fixed cell ids, and one block of code, found again by its
first line (so a second run changes nothing):

- ``series-get-helpers``, just before the first code cell: one line telling a reader who
  downloaded this notebook alone how to get the ``helpers`` package it imports;
- the check at the top of the first code cell: it imports ``helpers`` and, when this Python has
  no such package, raises one ``ModuleNotFoundError`` that says what to do. Run on its own (say
  ``jupyter nbconvert --execute`` of a downloaded notebook), a notebook shows no markdown, and a
  bare "No module named 'helpers'" said nothing of where the package comes from;
- ``series-navigation``, the last cell: links to the previous and the next notebook; the last
  notebook links back to the first one and to the site's references page.

The neighbours come from ``notebooks/NN-*.ipynb`` sorted by name, so renumbering or adding a
notebook only needs another run. Link texts are the notebooks' titles (their first ``# `` heading).
Only these cells are touched: outputs and every other cell stay as they are (the check prints
nothing, so a notebook's stored outputs still hold; the lines of code after it do not move).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SITE_CONFIG = ROOT / "site" / "_config.yml"
#: The site's references page, as a notebook in notebooks/ links to it (site/build.py rewrites
#: ``../site/`` links for the copies the site is built from).
REFERENCES_LINK = "../site/references.md"
SETUP_CELL_ID = "series-get-helpers"
NAVIGATION_CELL_ID = "series-navigation"
TITLE = re.compile(r"^#\s+(.+?)\s*$", flags=re.MULTILINE)
#: The first line of the check for ``helpers`` (how a second run finds it) and its last line's end.
GUARD_FIRST_LINE = "# The series' own package: without it, say how to get it."
GUARD_END = ") from None"
#: Columns a line of notebook code may take (tests/test_notebook_structure.py: the site's column).
CODE_COLUMNS = 77


def series_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The numbered notebooks ``NN-*.ipynb`` of ``folder``, in series order."""
    notebooks = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        raise SystemExit(f"No notebook named NN-*.ipynb in {folder}: nothing to link.")
    return notebooks


def repository_url(config: Path = SITE_CONFIG) -> str:
    """The repository URL set once in the site's configuration (``repository.url``; may be empty)."""
    settings = yaml.safe_load(config.read_text()) or {}
    return str((settings.get("repository") or {}).get("url") or "").rstrip("/")


def notebook_title(notebook: nbformat.NotebookNode, path: Path) -> str:
    """The first level-1 heading of the notebook's first markdown cell that has one."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = TITLE.search(cell.source)
            if match:
                return match.group(1)
    raise SystemExit(f"{path.name} has no '# ' title heading: give its first markdown cell one.")


def setup_text(url: str) -> str:
    """The one line that tells a reader of a lone notebook how to get ``helpers``."""
    where = f"[the repository]({url}), or the archive on the series' site" if url else (
        "the repository this notebook comes from"
    )
    return (
        "*Running this notebook on its own? It imports `helpers`, the series' small package: get "
        f"the whole series ({where}) and run `make lab` in its folder, or `pip install -e .` there "
        "into your own environment.*"
    )


def helpers_message(url: str) -> str:
    """What the check says when ``helpers`` cannot be imported: the problem and the fix."""
    where = f"{url}, or the archive on the series' site" if url else (
        "the repository this notebook comes from"
    )
    return (
        "This notebook imports `helpers`, the series' own small package, and this Python cannot "
        f"find it. Get the whole series ({where}) and run `make lab` in its folder, or "
        "`pip install -e .` there into this environment."
    )


def guard_code(url: str) -> str:
    """The check put at the top of each notebook's first code cell (no trailing newline).

    Its lines fit :data:`CODE_COLUMNS`. A ``ModuleNotFoundError`` for another module (one that
    ``helpers`` itself imports) is raised as it is: it names that module.
    """
    indent = " " * 8
    # Each piece of the message is a string literal on its own line, ending in the space before
    # the next piece; the last one is followed by GUARD_END.
    width = CODE_COLUMNS - len(indent) - len('""') - len(" ") - len(GUARD_END)
    pieces = textwrap.wrap(helpers_message(url), width=width, break_long_words=False,
                           break_on_hyphens=False)
    literal = "\n".join(indent + json.dumps(piece + ("" if last else " "), ensure_ascii=False)
                         for last, piece in ((i == len(pieces) - 1, p) for i, p in enumerate(pieces)))
    return (
        f"{GUARD_FIRST_LINE}\n"
        "try:\n"
        "    import helpers\n"
        "except ModuleNotFoundError as error:\n"
        "    if error.name != \"helpers\":\n"
        "        raise\n"
        "    raise ModuleNotFoundError(\n"
        f"{literal}{GUARD_END}"
    )


def with_guard(source: str, guard: str) -> str:
    """``source`` (a code cell's) with ``guard`` at its top, in place of any previous version."""
    if source.startswith(GUARD_FIRST_LINE):
        end = source.find(GUARD_END + "\n")
        if end < 0:
            raise SystemExit(
                f"A first code cell starts with {GUARD_FIRST_LINE!r} but its check has no line "
                f"ending in {GUARD_END!r}: remove the damaged check by hand and run this again."
            )
        source = source[end + len(GUARD_END) + 1:].lstrip("\n")
    return f"{guard}\n\n{source}"


def navigation_text(paths: list[Path], titles: list[str], index: int) -> str:
    """The last cell of notebook ``index``: its neighbours, or for the last one the way back."""
    def link(i: int) -> str:
        return f"[{titles[i]}]({paths[i].name})"

    parts = []
    if index > 0:
        parts.append(f"**Previous:** {link(index - 1)}")
    if index < len(paths) - 1:
        parts.append(f"**Next:** {link(index + 1)}")
    else:
        parts.append(f"**Back to the start:** {link(0)}")
        parts.append(f"**References:** [the papers and data behind the series]({REFERENCES_LINK})")
    return " · ".join(parts)


def _markdown_cell(cell_id: str, text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = cell_id
    return cell


def with_navigation(notebook: nbformat.NotebookNode, setup: str, navigation: str,
                    guard: str) -> nbformat.NotebookNode:
    """The notebook with its two navigation cells (re)placed and ``guard`` at the top of its first
    code cell; every other cell unchanged."""
    cells = [cell for cell in notebook.cells if cell.get("id") not in (SETUP_CELL_ID, NAVIGATION_CELL_ID)]
    first_code = next((i for i, cell in enumerate(cells) if cell.cell_type == "code"), len(cells))
    if first_code < len(cells):
        cells[first_code].source = with_guard(cells[first_code].source, guard)
    cells.insert(first_code, _markdown_cell(SETUP_CELL_ID, setup))
    cells.append(_markdown_cell(NAVIGATION_CELL_ID, navigation))
    notebook.cells = cells
    return notebook


def refresh(folder: Path = NOTEBOOKS, config: Path = SITE_CONFIG, check: bool = False) -> list[Path]:
    """Bring every notebook's navigation cells and check for ``helpers`` up to date; return the
    notebooks that were stale.

    With ``check=True`` nothing is written.
    """
    paths = series_notebooks(folder)
    notebooks = [nbformat.read(path, as_version=4) for path in paths]
    titles = [notebook_title(notebook, path) for notebook, path in zip(notebooks, paths)]
    url = repository_url(config)
    setup, guard = setup_text(url), guard_code(url)
    stale = []
    for index, (path, notebook) in enumerate(zip(paths, notebooks)):
        before = path.read_text(encoding="utf-8")
        updated = with_navigation(notebook, setup, navigation_text(paths, titles, index), guard)
        after = nbformat.writes(updated) + "\n"
        if after != before:
            stale.append(path)
            if not check:
                path.write_text(after, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is stale")
    arguments = parser.parse_args(argv)
    stale = refresh(check=arguments.check)
    for path in stale:
        print(f"{'stale' if arguments.check else 'updated'}: {path.relative_to(ROOT)}")
    if arguments.check and stale:
        print("Run `python scripts/notebook_links.py` to refresh them.", file=sys.stderr)
        return 1
    if not stale:
        print("every notebook's navigation cells and check for helpers are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
