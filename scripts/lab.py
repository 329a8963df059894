"""Open the series in JupyterLab: what ``make lab`` runs.

Usage (from the repository root, in the project's environment)::

    python scripts/lab.py [JUPYTERLAB OPTIONS...]   # e.g. --no-browser --port=8890

JupyterLab is rooted at the repository, with the first notebook open. Rooted at ``notebooks/``
(as it is when given only a notebook's path) it could not reach ``site/``: every glossary and
notation link of the notebooks (``../site/glossary.md``) opened nothing, and the file browser
showed neither the README nor ``helpers/``. Jupyter refuses to run as root without
``--allow-root``; root is who a reader is in a container, so the option is added then, with a
line that says so. Other arguments go to ``jupyter lab`` unchanged. The one-BLAS-thread settings
come from the environment (the Makefile exports them), and every kernel inherits them.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ROOT_NOTE = (
    "make lab: running as root (as in a container), so JupyterLab is started with --allow-root."
)


def first_notebook(folder: Path = NOTEBOOKS) -> Path:
    """The first notebook of the series, ``NN-*.ipynb`` sorted by name."""
    notebooks = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        raise SystemExit(f"No notebook named NN-*.ipynb in {folder}: nothing to open.")
    return notebooks[0]


def running_as_root() -> bool:
    """Whether this process runs as the superuser (never on a system without user ids)."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid is not None and geteuid() == 0


def lab_command(
    jupyter: str | Path, root: Path, notebook: Path, as_root: bool, extra: Sequence[str] = ()
) -> list[str]:
    """The ``jupyter lab`` command line: rooted at ``root``, ``notebook`` open.

    Parameters
    ----------
    jupyter : str or Path
        The ``jupyter`` executable.
    root : Path
        The folder JupyterLab serves (its file browser's top, and what relative links resolve in).
    notebook : Path
        The notebook to open; must lie inside ``root``.
    as_root : bool
        Whether the user is root: then ``--allow-root`` is added.
    extra : sequence of str
        More options for ``jupyter lab``, appended as given.

    Returns
    -------
    list of str
        The command's arguments.
    """
    try:
        relative = notebook.resolve().relative_to(root.resolve())
    except ValueError:
        raise ValueError(
            f"{notebook} is not inside {root}: JupyterLab can only open a notebook under the "
            "folder it serves; pass a notebook of the repository."
        ) from None
    command = [str(jupyter), "lab", f"--ServerApp.root_dir={root}", relative.as_posix()]
    if as_root:
        command.append("--allow-root")
    return command + list(extra)


def main(argv: Sequence[str] | None = None) -> None:
    """Replace this process with JupyterLab (Ctrl-C stops it, as ``jupyter lab`` itself)."""
    extra = list(sys.argv[1:] if argv is None else argv)
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent))
    if jupyter is None:
        raise SystemExit(
            f"jupyter is not installed next to {sys.executable}: run `make venv` (it installs "
            "requirements.txt) and use .venv/bin/python."
        )
    as_root = running_as_root()
    command = lab_command(jupyter, ROOT, first_notebook(), as_root, extra)
    if as_root:
        print(ROOT_NOTE, flush=True)
    os.chdir(ROOT)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
