"""``make lab`` (``scripts/lab.py``): JupyterLab rooted at the repository, notebook 01 open, as root too.

One test starts the server as ``make lab`` does (on a free port, no browser, a token) and asks it
for every site page notebook 01 links to, the way a click on the link resolves it: relative to
the notebook's folder, through the server's contents API. Rooted at ``notebooks/`` these were 404s.
"""

import importlib.util
import json
import os
import posixpath
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lab", ROOT / "scripts" / "lab.py")
lab = importlib.util.module_from_spec(_spec)
sys.modules["lab"] = lab
_spec.loader.exec_module(lab)

#: Seconds the server may take to answer (it starts in 3-5 s here).
STARTUP_TIMEOUT = 90
#: A markdown link to a page of the site, as the notebooks write it: ``](../site/glossary.md#logit)``.
SITE_LINK = re.compile(r"\]\((\.\./site/[^)#\s]+)")


def test_the_command_roots_jupyterlab_at_the_repository_and_opens_notebook_01():
    command = lab.lab_command("jupyter", ROOT, lab.first_notebook(), as_root=False)
    assert command == ["jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
                       "notebooks/01-discriminative-models-and-softmax-boundaries.ipynb"]


def test_as_root_the_command_allows_root_and_only_then():
    notebook = lab.first_notebook()
    assert "--allow-root" in lab.lab_command("jupyter", ROOT, notebook, as_root=True)
    assert "--allow-root" not in lab.lab_command("jupyter", ROOT, notebook, as_root=False)


def test_extra_options_go_to_jupyterlab_after_the_notebook():
    command = lab.lab_command("jupyter", ROOT, lab.first_notebook(), as_root=True,
                              extra=["--no-browser", "--port=9999"])
    assert command[-3:] == ["--allow-root", "--no-browser", "--port=9999"]


def test_a_notebook_outside_the_root_is_refused_with_the_fix(tmp_path):
    with pytest.raises(ValueError, match="is not inside .*pass a notebook of the repository"):
        lab.lab_command("jupyter", ROOT, tmp_path / "01-x.ipynb", as_root=False)


def test_running_as_root_follows_the_user_id(monkeypatch):
    monkeypatch.setattr(lab.os, "geteuid", lambda: 0)
    assert lab.running_as_root()
    monkeypatch.setattr(lab.os, "geteuid", lambda: 1000)
    assert not lab.running_as_root()
    monkeypatch.delattr(lab.os, "geteuid")
    assert not lab.running_as_root()


def test_main_says_it_runs_as_root_and_starts_jupyterlab_with_allow_root(monkeypatch, capsys):
    started = []
    monkeypatch.setattr(lab.os, "geteuid", lambda: 0)
    monkeypatch.setattr(lab.os, "chdir", lambda folder: None)
    monkeypatch.setattr(lab.os, "execv", lambda path, args: started.append(args))
    lab.main(["--no-browser"])
    assert capsys.readouterr().out.strip() == lab.ROOT_NOTE
    assert started[0][-2:] == ["--allow-root", "--no-browser"]


def test_main_as_another_user_says_nothing_about_root(monkeypatch, capsys):
    started = []
    monkeypatch.setattr(lab.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(lab.os, "chdir", lambda folder: None)
    monkeypatch.setattr(lab.os, "execv", lambda path, args: started.append(args))
    lab.main([])
    assert capsys.readouterr().out == ""
    assert "--allow-root" not in started[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, b""


def _site_links_of_notebook_01() -> list[str]:
    """Where each ``../site/...`` link of notebook 01 leads, relative to the repository, as
    JupyterLab resolves it (from the notebook's own folder)."""
    notebook = lab.first_notebook()
    folder = notebook.parent.relative_to(ROOT).as_posix()
    targets = {
        posixpath.normpath(posixpath.join(folder, urllib.parse.unquote(link)))
        for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "markdown"
        for link in SITE_LINK.findall(cell.source)
    }
    return sorted(targets)


def test_make_lab_serves_the_pages_notebook_01_links_to(tmp_path):
    """Started as ``make lab`` starts it (as root here: this machine's user), the server answers
    200 for site/glossary.md and every other site page notebook 01 links to, and its file
    browser's top holds the README, site/ and helpers/."""
    targets = _site_links_of_notebook_01()
    assert "site/glossary.md" in targets
    port, token = _free_port(), secrets.token_hex(16)
    environment = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "lab.py"), "--no-browser", f"--port={port}",
         "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}"],
        cwd=tmp_path, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def api(path: str, content: int = 0) -> tuple[int, bytes]:
        return _get(f"{base}/api/contents/{urllib.parse.quote(path)}?content={content}&token={token}")

    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while _status(f"{base}/api/status?token={token}") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"JupyterLab did not start (exit {server.poll()}):\n{log.read()[-3000:]}")
            time.sleep(0.5)
        answers = {target: api(target)[0] for target in targets}
        status, listing = api("", content=1)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.seek(0)
        output = log.read()
        log.close()
    assert answers == dict.fromkeys(targets, 200), f"not served: {answers}"
    assert status == 200
    top = {entry["name"] for entry in json.loads(listing)["content"]}
    assert {"README.md", "site", "helpers", "notebooks"} <= top
    if lab.running_as_root():
        assert lab.ROOT_NOTE in output
    else:
        assert lab.ROOT_NOTE not in output


def _status(url: str) -> int | None:
    try:
        return _get(url)[0]
    except OSError:  # not listening yet
        return None
