"""Build the series' static site from the outputs stored in the notebooks.

Run ``python site/build.py`` (``make site`` does) from the repository's virtual environment.

1. Copies the numbered notebooks ``notebooks/NN-*.ipynb`` into ``site/notebooks/`` (git-ignored),
   where the glob in ``site/_toc.yml`` picks up every one present, in order. The copies are
   deleted after the build, so that nobody edits them by mistake.
2. Removes the previous build, so that no page of a renamed notebook survives.
3. Runs Jupyter Book with warnings as errors (``-W --keep-going``) into ``_build/html``; no
   notebook is executed (``execute_notebooks: "off"``) and nothing is downloaded.
4. Prints the path of ``index.html`` to open in a browser.

Exits with Jupyter Book's status: non-zero if any warning was raised.
"""

import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
BOOK_SOURCE = REPOSITORY / "site"
NOTEBOOKS = REPOSITORY / "notebooks"
BOOK_NOTEBOOKS = BOOK_SOURCE / "notebooks"
BUILD = REPOSITORY / "_build"
HTML = BUILD / "html"


def copy_notebooks() -> list[Path]:
    """Replace ``site/notebooks/`` with a fresh copy of the numbered notebooks.

    Returns
    -------
    list of Path
        The copied notebooks, sorted by name (series order).
    """
    shutil.rmtree(BOOK_NOTEBOOKS, ignore_errors=True)
    BOOK_NOTEBOOKS.mkdir()
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        raise SystemExit(f"No notebook named NN-*.ipynb in {NOTEBOOKS}: nothing to build a site from.")
    for notebook in notebooks:
        shutil.copy2(notebook, BOOK_NOTEBOOKS / notebook.name)
    return [BOOK_NOTEBOOKS / notebook.name for notebook in notebooks]


def jupyter_book_command() -> str:
    """The ``jupyter-book`` script of the running Python environment."""
    script = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit(
            f"jupyter-book is not installed next to {sys.executable}: "
            "run `make venv` (it installs requirements.txt) and use .venv/bin/python."
        )
    return script


def build_site() -> int:
    """Build ``_build/html`` from scratch; return Jupyter Book's exit status."""
    command = [
        jupyter_book_command(), "build", str(BOOK_SOURCE),
        "--path-output", str(REPOSITORY), "-W", "--keep-going",
    ]
    for stale in ("html", ".doctrees", "jupyter_execute"):
        shutil.rmtree(BUILD / stale, ignore_errors=True)
    copy_notebooks()
    try:
        return subprocess.run(command, cwd=REPOSITORY, check=False).returncode
    finally:
        shutil.rmtree(BOOK_NOTEBOOKS, ignore_errors=True)


if __name__ == "__main__":
    status = build_site()
    if status == 0:
        print(f"\nThe site is built. Open it in a browser (no network needed):\n  {HTML / 'index.html'}")
    sys.exit(status)
