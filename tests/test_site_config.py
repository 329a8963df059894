"""The site's build script and its one repository setting, without building the site."""

import base64
import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build = _load("site_build", ROOT / "site" / "build.py")
notebook_links = _load("notebook_links", ROOT / "scripts" / "notebook_links.py")
SETTINGS = yaml.safe_load((ROOT / "site" / "_config.yml").read_text())
URL = SETTINGS["repository"]["url"]


def test_the_readme_links_to_the_repository_of_the_one_setting():
    readme = (ROOT / "README.md").read_text()
    org_and_name = URL.removeprefix("https://github.com/")
    binder_links = re.findall(r"https://mybinder\.org/v2/gh/([^/\s)]+/[^/\s)]+)/", readme)
    assert binder_links and set(binder_links) == {org_and_name}, (
        f"the README's Binder links name {set(binder_links)}, site/_config.yml's repository.url {URL}"
    )


def test_without_a_repository_url_the_build_turns_the_buttons_off(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text(yaml.safe_dump({**SETTINGS, "repository": {**SETTINGS["repository"], "url": ""}}))
    used = build.book_config(config)
    try:
        settings = yaml.safe_load(used.read_text())
        assert used != config
        assert settings["html"]["use_repository_button"] is False
        assert settings["launch_buttons"]["binderhub_url"] == ""
    finally:
        used.unlink()
        used.parent.rmdir()
    assert build.book_config(ROOT / "site" / "_config.yml") == ROOT / "site" / "_config.yml"


JUPYTER_BOOK_REDIRECT = '<meta http-equiv="Refresh" content="0; url=intro.html" />\n'


def test_the_landing_redirect_names_the_site_icon_and_keeps_its_target(tmp_path):
    """Without an icon in the redirect, a browser may ask for the missing /favicon.ico first."""
    page = tmp_path / "index.html"
    page.write_text(JUPYTER_BOOK_REDIRECT)
    assert build.write_redirect_page(page) == "intro.html"
    written = page.read_text()
    icon = (ROOT / "site" / SETTINGS["html"]["favicon"]).read_bytes()
    # inline: a request for the icon would be aborted by the refresh (or 404 without an icon)
    assert f'<link rel="icon" href="data:image/svg+xml;base64,{base64.b64encode(icon).decode()}">' \
        in written
    assert '<meta http-equiv="Refresh" content="0; url=intro.html">' in written
    assert '<a href="intro.html">' in written


def test_a_landing_page_that_is_no_redirect_is_an_error_and_left_as_it_is(tmp_path):
    page = tmp_path / "index.html"
    page.write_text("<html><body>a real page</body></html>")
    with pytest.raises(ValueError, match="no <meta http-equiv=\"Refresh\"> redirect"):
        build.write_redirect_page(page)
    assert page.read_text() == "<html><body>a real page</body></html>"


def test_the_site_copies_of_the_notebooks_link_to_site_pages_from_inside_site():
    link = "[the references](../site/references.md)"
    assert build.SITE_LINK.sub("](../", link) == "[the references](../references.md)"
    assert (ROOT / "site" / "references.md").is_file()


def _tree(folder: Path) -> Path:
    for relative in ("README.md", "notebooks/01-a.ipynb", "helpers/__init__.py", ".venv/bin/python",
                     "_build/html/index.html", "helpers/__pycache__/x.pyc", "site/notebooks/01-a.ipynb",
                     "data/README.md", "data/mnist_784.npz"):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(relative)
    return folder


def test_outside_a_git_clone_the_archive_holds_the_files_on_disk_but_no_build_output(tmp_path):
    folder = _tree(tmp_path / "series")
    archive = tmp_path / "series.zip"
    assert "not a git clone" in build.write_archive(folder, archive)
    with zipfile.ZipFile(archive) as bundle:
        assert sorted(bundle.namelist()) == [
            "pity-the-fool/README.md", "pity-the-fool/data/README.md", "pity-the-fool/helpers/__init__.py",
            "pity-the-fool/notebooks/01-a.ipynb",
        ]


def test_in_a_git_clone_the_archive_is_the_committed_tree(tmp_path):
    folder = _tree(tmp_path / "series")
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "README.md", "notebooks", "helpers/__init__.py", "data/README.md"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    (folder / "README.md").write_text("changed, not committed")
    archive = tmp_path / "series.zip"
    said = build.write_archive(folder, archive)
    assert "committed tree" in said and "uncommitted changes are not in it" in said
    with zipfile.ZipFile(archive) as bundle:
        assert bundle.read("pity-the-fool/README.md") == b"README.md"
        assert not any(".venv" in name or "_build" in name for name in bundle.namelist())


def _notebook(folder: Path, name: str, title: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nWhat it teaches."),
                      nbformat.v4.new_code_cell("from helpers import data"),
                      nbformat.v4.new_markdown_cell("## Summary")]
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    path = folder / name
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def series(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, title in [("01-a.ipynb", "01 — A"), ("02-b.ipynb", "02 — B"), ("03-c.ipynb", "03 — C")]:
        _notebook(folder, name, title)
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://example.org/series\n")
    return folder, config


def _links(path: Path) -> list[str]:
    last = nbformat.read(path, as_version=4).cells[-1]
    assert last.id == notebook_links.NAVIGATION_CELL_ID
    return re.findall(r"\]\(([^)]+)\)", last.source)


def test_navigation_cells_link_neighbours_and_a_second_run_changes_nothing(series):
    folder, config = series
    assert len(notebook_links.refresh(folder, config)) == 3
    assert notebook_links.refresh(folder, config) == []
    assert notebook_links.refresh(folder, config, check=True) == []
    assert _links(folder / "01-a.ipynb") == ["02-b.ipynb"]
    assert _links(folder / "02-b.ipynb") == ["01-a.ipynb", "03-c.ipynb"]
    assert _links(folder / "03-c.ipynb") == ["02-b.ipynb", "01-a.ipynb", notebook_links.REFERENCES_LINK]
    cells = nbformat.read(folder / "02-b.ipynb", as_version=4).cells
    assert [cell.get("id") for cell in cells] == [
        "cell-0", notebook_links.SETUP_CELL_ID, "cell-1", "cell-2", notebook_links.NAVIGATION_CELL_ID,
    ]
    assert "[the repository](https://example.org/series)" in cells[1].source
    assert "**Next:** [03 — C](03-c.ipynb)" in cells[-1].source


def test_a_new_notebook_updates_the_neighbours_links(series):
    folder, config = series
    notebook_links.refresh(folder, config)
    _notebook(folder, "04-d.ipynb", "04 — D")
    stale = notebook_links.refresh(folder, config, check=True)
    assert [path.name for path in stale] == ["03-c.ipynb", "04-d.ipynb"]  # only those change
    notebook_links.refresh(folder, config)
    assert _links(folder / "03-c.ipynb") == ["02-b.ipynb", "04-d.ipynb"]
    assert _links(folder / "04-d.ipynb")[-2:] == ["01-a.ipynb", notebook_links.REFERENCES_LINK]


def test_a_notebook_without_a_title_is_named(series):
    folder, config = series
    path = folder / "02-b.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].source = "no heading"
    nbformat.write(notebook, path)
    with pytest.raises(SystemExit, match="02-b.ipynb has no '# ' title"):
        notebook_links.refresh(folder, config)
