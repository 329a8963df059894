"""scripts/find_chromium.py: which browser the site test uses, in the documented order."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("find_chromium", ROOT / "scripts" / "find_chromium.py")
find_chromium = importlib.util.module_from_spec(_spec)
sys.modules["find_chromium"] = find_chromium  # dataclasses look their module up there
_spec.loader.exec_module(find_chromium)


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def folders(tmp_path):
    """An empty PATH folder and an empty macOS Applications folder."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "Applications").mkdir()
    return tmp_path


def _find(folders, environ=None):
    return find_chromium.find_chromium(
        environ=environ or {}, search_path=str(folders / "bin"),
        application_folders=(folders / "Applications",),
    )


def test_chromium_variable_comes_first(folders):
    _executable(folders / "bin" / "chromium")
    chosen = _executable(folders / "elsewhere" / "my-browser")
    browser = _find(folders, {"CHROMIUM": str(chosen)})
    assert browser.path == chosen and "$CHROMIUM" in browser.describe()


def test_a_chromium_variable_naming_nothing_is_an_error_not_a_fallback(folders):
    _executable(folders / "bin" / "chromium")
    with pytest.raises(find_chromium.BrowserNotFound, match="CHROMIUM=.*not an executable"):
        _find(folders, {"CHROMIUM": str(folders / "missing")})


@pytest.mark.parametrize("present, expected", [
    (["google-chrome", "chromium-browser"], "chromium-browser"),
    (["microsoft-edge", "google-chrome-stable"], "google-chrome-stable"),
    (["microsoft-edge"], "microsoft-edge"),
    (["chromium", "google-chrome"], "chromium"),
])
def test_commands_on_the_path_in_order(folders, present, expected):
    for command in present:
        _executable(folders / "bin" / command)
    browser = _find(folders)
    assert browser.path.name == expected
    assert f"`{expected}` on the PATH" in browser.describe()


def test_macos_applications_after_the_path(folders):
    application = _executable(folders / "Applications" / "Google Chrome.app/Contents/MacOS/Google Chrome")
    assert _find(folders).path == application
    _executable(folders / "bin" / "microsoft-edge")
    assert _find(folders).path.name == "microsoft-edge"


def test_a_file_that_is_not_executable_is_skipped(folders):
    (folders / "Applications" / "Chromium.app/Contents/MacOS").mkdir(parents=True)
    (folders / "Applications" / "Chromium.app/Contents/MacOS/Chromium").write_text("")
    with pytest.raises(find_chromium.BrowserNotFound):
        _find(folders)


def test_no_browser_gives_the_install_hint(folders):
    with pytest.raises(find_chromium.BrowserNotFound, match="apt-get install chromium") as error:
        _find(folders)
    assert "google-chrome-stable" in str(error.value) and "Never `playwright install`" in str(error.value)
