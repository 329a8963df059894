"""``make run`` on a clean clone leaves ``git status`` clean (slow: about 3 minutes here).

A fresh clone of ``HEAD`` (commit first: the clone holds what is committed) runs the whole of
``make run`` -- every notebook executed (its networks trained anew: a clone has no ``data/fits``),
the README's figure refreshed, the site built -- with this checkout's ``.venv``. Nothing it writes
may show in ``git status``: a changed notebook would invite a commit of generated noise, and the
site's archive would say the tree has uncommitted changes. Its own phase of ``make test``, left
out of ``make unit``.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)
#: The line ``make run`` prints for the first notebook (name, seconds, whether it changed).
NOTEBOOK_LINE = "  01-discriminative-models-and-softmax-boundaries.ipynb: "
#: The files the Makefile's ``.venv`` stamp depends on: a newer one makes ``make`` set it up again.
VENV_INPUTS = ("requirements.txt", "constraints.txt", "pyproject.toml")


def _git(*arguments: str, cwd: Path) -> str:
    return subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.fail("this test needs git and make (.ci/run installs make)")
    if not (ROOT / ".git").exists():
        pytest.fail(f"{ROOT} is not a git clone: nothing to clone")
    folder = tmp_path_factory.mktemp("clean-clone") / "pity-the-fool"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(folder)], check=True)
    head = _git("rev-parse", "HEAD", cwd=ROOT).strip()
    subprocess.run(["git", "-C", str(folder), "checkout", "--quiet", head], check=True)
    return folder


def test_make_run_on_a_clean_clone_leaves_git_status_clean(clone: Path):
    environment = {
        **os.environ,
        # the clone's helpers, not this checkout's (the venv's editable install points here)
        "PYTHONPATH": str(clone),
        "PITY_FIT_CACHE": str(clone / "data" / "fits"),
    }
    environment.pop("MAKEFLAGS", None)
    stamp = VENV / ".installed"
    assert stamp.is_file(), f"{VENV} is not set up: run `make venv`"
    for name in VENV_INPUTS:
        assert (ROOT / name).stat().st_mtime <= stamp.stat().st_mtime, (
            f"{name} is newer than {VENV}: run `make venv` first")
        # The clone's copies are the same files, just written now: dated back, so that `make`
        # uses this checkout's .venv instead of setting it up again (and pointing it at the clone).
        assert (clone / name).read_bytes() == (ROOT / name).read_bytes(), f"commit {name} first"
        os.utime(clone / name, (stamp.stat().st_mtime - 1, stamp.stat().st_mtime - 1))
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"VENV={VENV}"],
        cwd=clone, env=environment, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, f"make run failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    status = _git("status", "--porcelain", cwd=clone)
    assert status == "", (
        f"make run changed the checkout (each line a file; `git -C {clone} diff` shows how):\n"
        + status + "\n" + "\n".join(line for line in result.stdout.splitlines() if "written:" in line)
    )
    assert (clone / "_build" / "html" / "index.html").is_file()
    # What the reader sees: a line per notebook, no kernel warning, no Sphinx progress.
    assert NOTEBOOK_LINE in result.stdout, "no line per notebook"
    assert "without encryption" not in result.stdout + result.stderr
    assert "Running Sphinx" not in result.stdout, "Sphinx's progress is printed"
