"""Find a Chromium-family browser the reader already has, for the site's browser test.

Run ``python scripts/find_chromium.py``: prints the browser's path and how it was found, or, when
there is none, how to install one (exit status 1). Standard library only, so that ``.ci/run`` can
ask before the virtual environment exists; ``tests/test_site.py`` uses :func:`find_chromium`.

The order: ``$CHROMIUM`` (which must then exist), then the first of :data:`COMMANDS` on the PATH,
then the standard macOS application paths (:data:`MACOS_APPLICATIONS`). Playwright drives the
browser through ``executable_path``; it never downloads one.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

#: Commands tried on the PATH, in this order.
COMMANDS: tuple[str, ...] = (
    "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge",
)
#: Standard macOS locations, tried in this order after the PATH (also under ``~/Applications``).
MACOS_APPLICATIONS: tuple[str, ...] = (
    "Chromium.app/Contents/MacOS/Chromium",
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)
INSTALL_HINT = (
    "No Chromium-family browser found (tried $CHROMIUM, then {commands} on the PATH, then "
    "{applications} in /Applications and ~/Applications). The site test needs one: on Debian or "
    "Ubuntu `sudo apt-get install chromium` (.ci/run does this), on macOS install Chromium or "
    "Google Chrome, or set CHROMIUM to the path of a Chromium-family browser. Never "
    "`playwright install`."
)


@dataclass(frozen=True)
class Browser:
    """A browser executable and how it was found (for the message that says which one is used)."""

    path: Path
    found_as: str

    def describe(self) -> str:
        return f"{self.path} ({self.found_as})"


class BrowserNotFound(RuntimeError):
    """No Chromium-family browser: the message says where we looked and how to install one."""


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_chromium(
    environ: dict[str, str] | None = None,
    search_path: str | None = None,
    application_folders: tuple[Path, ...] | None = None,
) -> Browser:
    """Return the first Chromium-family browser in the documented order.

    Parameters
    ----------
    environ : dict, optional
        Environment to read ``CHROMIUM`` from; ``os.environ`` by default.
    search_path : str, optional
        The PATH to search; ``environ["PATH"]`` by default.
    application_folders : tuple of Path, optional
        Where macOS applications live; ``/Applications`` and ``~/Applications`` by default.

    Returns
    -------
    Browser

    Raises
    ------
    BrowserNotFound
        If ``CHROMIUM`` names no executable file, or no browser is found at all.
    """
    environ = os.environ if environ is None else environ
    explicit = environ.get("CHROMIUM")
    if explicit:
        path = Path(explicit).expanduser()
        if not _is_executable(path):
            raise BrowserNotFound(
                f"CHROMIUM={explicit} is not an executable file: point it at a Chromium-family "
                "browser, or unset it to let the test look for one."
            )
        return Browser(path, "from $CHROMIUM")
    search_path = environ.get("PATH", os.defpath) if search_path is None else search_path
    for command in COMMANDS:
        found = shutil.which(command, path=search_path)
        if found:
            return Browser(Path(found), f"`{command}` on the PATH")
    if application_folders is None:
        application_folders = (Path("/Applications"), Path.home() / "Applications")
    for application in MACOS_APPLICATIONS:
        for folder in application_folders:
            if _is_executable(folder / application):
                return Browser(folder / application, "a macOS application")
    raise BrowserNotFound(INSTALL_HINT.format(
        commands=", ".join(COMMANDS), applications=", ".join(a.split("/")[0] for a in MACOS_APPLICATIONS),
    ))


if __name__ == "__main__":
    try:
        print(find_chromium().describe())
    except BrowserNotFound as error:
        print(error, file=sys.stderr)
        sys.exit(1)
