"""Insert or refresh each notebook's two navigation cells, from the sorted list of notebooks.

Usage (from the repository root, in the project's environment)::

    python scripts/notebook_links.py          # rewrite the notebooks whose cells are missing or stale
    python scripts/notebook_links.py --check  # change nothing; exit 1 and name the stale notebooks

Two markdown cells, found again by their fixed cell ids (so a second run changes nothing):

- ``series-get-helpers``, just before the first code cell: one line telling a reader who
  downloaded this notebook alone how to get the ``helpers`` package it imports;
- ``series-navigation``, the last cell: links to the previous and the next notebook; the last
  notebook links back to the first one and to the site's references page.

The neighbours come from ``notebooks/NN-*.ipynb`` sorted by name, so renumbering or adding a
notebook only needs another run. Link texts are the notebooks' titles (their first ``# `` heading).
Only these two cells are touched: outputs and every other cell stay as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
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


def with_navigation(notebook: nbformat.NotebookNode, setup: str, navigation: str) -> nbformat.NotebookNode:
    """The notebook with its two navigation cells (re)placed; every other cell unchanged."""
    cells = [cell for cell in notebook.cells if cell.get("id") not in (SETUP_CELL_ID, NAVIGATION_CELL_ID)]
    first_code = next((i for i, cell in enumerate(cells) if cell.cell_type == "code"), len(cells))
    cells.insert(first_code, _markdown_cell(SETUP_CELL_ID, setup))
    cells.append(_markdown_cell(NAVIGATION_CELL_ID, navigation))
    notebook.cells = cells
    return notebook


def refresh(folder: Path = NOTEBOOKS, config: Path = SITE_CONFIG, check: bool = False) -> list[Path]:
    """Bring every notebook's navigation cells up to date; return the notebooks that were stale.

    With ``check=True`` nothing is written.
    """
    paths = series_notebooks(folder)
    notebooks = [nbformat.read(path, as_version=4) for path in paths]
    titles = [notebook_title(notebook, path) for notebook, path in zip(notebooks, paths)]
    setup = setup_text(repository_url(config))
    stale = []
    for index, (path, notebook) in enumerate(zip(paths, notebooks)):
        before = path.read_text(encoding="utf-8")
        updated = with_navigation(notebook, setup, navigation_text(paths, titles, index))
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
        print("every notebook's navigation cells are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
