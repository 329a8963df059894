"""Build the series' static site from the outputs stored in the notebooks.

Run ``python site/build.py`` (``make site`` does) from the repository's virtual environment.

1. Copies the numbered notebooks ``notebooks/NN-*.ipynb`` into ``site/notebooks/`` (git-ignored),
   where the glob in ``site/_toc.yml`` picks up every one present, in order. A notebook's link to
   a site page (``../site/references.md``) is rewritten for the copy, which sits inside
   ``site/``. The copies are deleted after the build, so that nobody edits them by mistake.
2. Writes the whole series as one archive, ``site/pity-the-fool.zip`` (git-ignored, deleted
   after the build; the landing page offers it for download): ``git archive`` of the committed
   tree (``HEAD``), so it holds exactly what a clone holds. Uncommitted changes are left out, and
   the build says so. Outside a git clone (an unpacked archive) it zips the files on disk
   instead, less what the build, the tests and the virtual environment made.
3. Removes the previous build, so that no page of a renamed notebook survives.
4. Runs Jupyter Book with warnings as errors (``-W --keep-going``) into ``_build/html``; no
   notebook is executed (``execute_notebooks: "off"``) and nothing is downloaded. Sphinx's
   progress and its configuration dumps are left out (``-q``, 173 lines); its warnings are not. With
   ``repository.url`` empty in ``site/_config.yml``, the repository and launch buttons are left
   out (they need the URL).
5. Rewrites the landing redirect ``index.html`` (Jupyter Book writes a bare ``<meta>`` refresh)
   as a small page that carries the site's icon inline (a ``data:`` URL) and links to the first
   page. Without an icon, a browser may ask for ``/favicon.ico`` before the refresh, and the
   site has none: a 404 in the console. An icon fetched from ``_static`` is no better: the
   refresh may abort its request. Either depends on timing; an inline icon needs no request.
6. Prints the path of ``index.html`` to open in a browser, and how to serve the site instead:
   opened from the disk, its search lists pages without their snippets (the browser does not let
   a ``file://`` page read the other pages).

Exits with Jupyter Book's status: non-zero if any warning was raised.
"""

import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[1]
BOOK_SOURCE = REPOSITORY / "site"
NOTEBOOKS = REPOSITORY / "notebooks"
BOOK_NOTEBOOKS = BOOK_SOURCE / "notebooks"
BUILD = REPOSITORY / "_build"
HTML = BUILD / "html"
CONFIG = BOOK_SOURCE / "_config.yml"
ARCHIVE = BOOK_SOURCE / "pity-the-fool.zip"
#: The folder every file of the archive sits in.
ARCHIVE_PREFIX = "pity-the-fool/"
#: Left out of an archive made outside a git clone: what the build, the tests and ``make venv``
#: write (as .gitignore does; also ``*.egg-info`` and everything in ``data/`` but its README).
NOT_ARCHIVED = {".git", ".venv", "_build", "__pycache__", ".ipynb_checkpoints", "screenshots",
                ARCHIVE.name}
#: A markdown link from a notebook to a page of the site: ``](../site/page.md)``.
SITE_LINK = re.compile(r"\]\(\.\./site/")
#: The target of Jupyter Book's redirect page: ``<meta http-equiv="Refresh" content="0; url=X" />``.
REFRESH_TARGET = re.compile(r'http-equiv="Refresh"\s+content="0;\s*url=([^"]+)"', re.IGNORECASE)
#: The landing redirect, with the site's icon (``html.favicon``) inline, as a ``data:`` URL.
REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Refresh" content="0; url={target}">
<link rel="icon" href="{icon}">
<title>{title}</title>
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


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
        text = notebook.read_text(encoding="utf-8")
        # In the repository the notebooks sit beside site/; their copies sit inside it.
        (BOOK_NOTEBOOKS / notebook.name).write_text(SITE_LINK.sub("](../", text), encoding="utf-8")
    return [BOOK_NOTEBOOKS / notebook.name for notebook in notebooks]


def _is_git_clone(folder: Path) -> bool:
    if shutil.which("git") is None:
        return False
    inside = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
                            capture_output=True, text=True, check=False)
    return inside.returncode == 0 and Path(inside.stdout.strip()).resolve() == folder.resolve()


def _zip_files_on_disk(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for root, folders, files in os.walk(folder):
            folders[:] = sorted(name for name in folders
                                if name not in NOT_ARCHIVED and not name.endswith(".egg-info"))
            for name in sorted(files):
                path = Path(root) / name
                relative = path.relative_to(folder)
                if (name in NOT_ARCHIVED or relative.parts[:2] == ("site", "notebooks")
                        or (relative.parts[0] == "data" and relative != Path("data", "README.md"))):
                    continue
                bundle.write(path, ARCHIVE_PREFIX + relative.as_posix())


def write_archive(folder: Path = REPOSITORY, archive: Path = ARCHIVE) -> str:
    """Write the whole series as one zip archive; return a sentence saying what it holds.

    In a git clone: ``git archive`` of ``HEAD`` (the committed tree). Elsewhere: the files on
    disk, less :data:`NOT_ARCHIVED`. Every path starts with :data:`ARCHIVE_PREFIX`.
    """
    archive.unlink(missing_ok=True)
    if _is_git_clone(folder):
        subprocess.run(["git", "-C", str(folder), "archive", "--format=zip",
                        f"--prefix={ARCHIVE_PREFIX}", "-o", str(archive), "HEAD"], check=True)
        changed = subprocess.run(["git", "-C", str(folder), "status", "--porcelain",
                                  "--untracked-files=no"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        commit = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        note = " (uncommitted changes are not in it: commit them first)" if changed else ""
        return f"{archive.name}: the committed tree at {commit}{note}"
    _zip_files_on_disk(folder, archive)
    return f"{archive.name}: the files on disk (not a git clone)"


def book_config(config: Path = CONFIG) -> Path:
    """The configuration to build with: ``site/_config.yml``, or without a repository URL, a copy
    (in a temporary folder) with the repository and launch buttons turned off."""
    settings = yaml.safe_load(config.read_text())
    if (settings.get("repository") or {}).get("url"):
        return config
    settings.setdefault("html", {})["use_repository_button"] = False
    settings.setdefault("launch_buttons", {})["binderhub_url"] = ""
    copy = Path(tempfile.mkdtemp(prefix="site-config-")) / "_config.yml"
    copy.write_text(yaml.safe_dump(settings))
    return copy


def write_redirect_page(page: Path, config: Path = CONFIG) -> str:
    """Rewrite Jupyter Book's redirect ``page`` with the site's icon (inline) and a link; return
    its target.

    Raises ``ValueError`` if ``page`` is not a redirect (Jupyter Book changed how it writes
    ``index.html``): the page is then left as it is, and the build fails instead of shipping it.
    """
    found = REFRESH_TARGET.search(page.read_text())
    if found is None:
        raise ValueError(
            f"{page} holds no <meta http-equiv=\"Refresh\"> redirect: Jupyter Book writes its "
            "landing page differently now; update REFRESH_TARGET in site/build.py."
        )
    settings = yaml.safe_load(config.read_text())
    icon = config.parent / settings["html"]["favicon"]
    icon_url = "data:image/svg+xml;base64," + base64.b64encode(icon.read_bytes()).decode("ascii")
    target = found.group(1)
    page.write_text(REDIRECT_PAGE.format(target=target, icon=icon_url, title=settings["title"]))
    return target


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
    config = book_config()
    command = [
        jupyter_book_command(), "build", str(BOOK_SOURCE), "--config", str(config),
        "--path-output", str(REPOSITORY), "-W", "--keep-going", "-q",
    ]
    for stale in ("html", ".doctrees", "jupyter_execute"):
        shutil.rmtree(BUILD / stale, ignore_errors=True)
    copy_notebooks()
    try:
        print(f"Download of the series: {write_archive()}")
        status = subprocess.run(command, cwd=REPOSITORY, check=False).returncode
        if status == 0:
            write_redirect_page(HTML / "index.html")
        return status
    finally:
        shutil.rmtree(BOOK_NOTEBOOKS, ignore_errors=True)
        ARCHIVE.unlink(missing_ok=True)
        if config != CONFIG:
            shutil.rmtree(config.parent, ignore_errors=True)


if __name__ == "__main__":
    status = build_site()
    if status == 0:
        print(f"\nThe site is built. Open it in a browser (no network needed):\n  {HTML / 'index.html'}\n"
              "or serve it, for search results with their snippets of text (then open "
              f"http://localhost:8000/):\n  {sys.executable} -m http.server -d {HTML}")
    sys.exit(status)
