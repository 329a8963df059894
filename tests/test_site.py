"""The static site, opened page by page in a real headless browser.

The site is built once from scratch (``site/build.py``, what ``make site`` runs: warnings are
errors), served from ``_build/html`` on 127.0.0.1 and visited with Playwright driving Debian's
``chromium`` (set ``$CHROMIUM`` to use another Chromium; never a browser download); one page is
also opened from disk, as a reader does. Every request that would leave the machine is reported (and cannot succeed: the browser
resolves no host name but 127.0.0.1), so the checks also show that the site works offline,
equations included. A full-page screenshot of every page is saved in
``benchmarks/screenshots/site/`` (emptied first) for a person to look at.
"""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
HTML = REPOSITORY / "_build" / "html"
SCREENSHOTS = REPOSITORY / "benchmarks" / "screenshots" / "site"
#: The browser: $CHROMIUM if set, else the first ``chromium`` on the PATH (Debian's package).
CHROMIUM = Path(os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
HOST = "127.0.0.1"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # The network is off for the browser: every host name but 127.0.0.1 fails to resolve.
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}",
]
#: Pages that only redirect, and where they must land.
REDIRECTS = {"index.html": "intro.html"}

# Run in the page once it has loaded: lazy images are told to load now, every image is awaited,
# then MathJax (if the page has it) is awaited until it has typeset the page.
SETTLE_PAGE = """async () => {
    const images = Array.from(document.images);
    images.forEach(image => { image.loading = "eager"; });
    await Promise.all(images.map(image => image.complete ? null : new Promise(done => {
        image.addEventListener("load", done); image.addEventListener("error", done);
    })));
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
        await window.MathJax.startup.promise;
    }
}"""

DESCRIBE_PAGE = """() => {
    const equations = Array.from(document.querySelectorAll(".math"));
    return {
        title: document.title,
        heading: (document.querySelector("h1") || {}).textContent || "",
        brokenImages: Array.from(document.images)
            .filter(image => !(image.naturalWidth > 0))
            .map(image => image.getAttribute("src")),
        imageCount: document.images.length,
        links: Array.from(document.querySelectorAll("a[href]")).map(anchor => anchor.href),
        equations: equations.length,
        renderedEquations: equations.filter(e => e.querySelector("mjx-container")).length,
        mathjaxContainers: document.querySelectorAll("mjx-container").length,
        mathjaxErrors: document.querySelectorAll("mjx-merror").length,
        mathjaxVersion: (window.MathJax && window.MathJax.version) || null,
    };
}"""


def expected_pages() -> list[str]:
    """Every HTML page the site must have, relative to ``_build/html``, in reading order."""
    notebooks = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    return [
        "index.html",
        "intro.html",
        *[f"notebooks/{notebook.stem}.html" for notebook in notebooks],
        "notation.html",
        "glossary.html",
        "references.html",
        "search.html",
    ]


@dataclass
class PageVisit:
    """What the browser saw on one page."""

    url: str
    final_url: str = ""
    title: str = ""
    heading: str = ""
    image_count: int = 0
    broken_images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    failed_local_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    equations: int = 0
    rendered_equations: int = 0
    mathjax_containers: int = 0
    mathjax_errors: int = 0
    mathjax_version: str | None = None
    screenshot: Path | None = None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def built_site() -> Path:
    """``_build/html``, built from scratch by ``site/build.py`` with warnings as errors."""
    result = subprocess.run(
        [sys.executable, str(REPOSITORY / "site" / "build.py")],
        cwd=REPOSITORY, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            "The site does not build (`python site/build.py` = `make site`; warnings are errors):\n"
            + result.stdout[-6000:] + result.stderr[-6000:]
        )
    return HTML


@pytest.fixture(scope="module")
def site_url(built_site: Path) -> Iterator[str]:
    """Base URL of the built site, served by a thread on a free port of 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser_context():
    """Headless Debian chromium driven by Playwright: one context (one HTTP cache) for all pages.

    Fails, never skips, when chromium is missing.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the site test needs a Chromium browser. Install Debian's with "
            "`apt-get install -y chromium` (as root; .ci/run does this) or set CHROMIUM to the "
            "path of another Chromium; never `playwright install`."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(20_000)
            yield context
        finally:
            chromium.close()


def _visit(browser_context, site_url: str, page_path: str, screenshot: bool = True) -> PageVisit:
    """Open one page, let it settle, describe it and (by default) save a full-page screenshot.

    ``site_url`` is where the site is (``http://127.0.0.1:PORT/`` or a ``file:///`` folder); a
    request for anything outside it is recorded as external.
    """
    visit = PageVisit(url=site_url + page_path)

    def on_request(request):
        if not request.url.startswith((site_url, "data:", "blob:", "about:")):
            visit.external_requests.append(request.url)

    def on_response(response):
        if response.url.startswith(site_url) and response.status >= 400:
            visit.failed_local_requests.append(f"{response.status} {response.url}")

    def on_request_failed(request):
        if request.url.startswith(site_url):
            visit.failed_local_requests.append(f"{request.failure} {request.url}")

    page = browser_context.new_page()
    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("console", lambda message: message.type == "error" and visit.console_errors.append(
        f"{message.text} ({message.location.get('url', '')}:{message.location.get('lineNumber', '')})"
    ))
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}"))
    try:
        page.goto(visit.url, wait_until="load")
        if page_path in REDIRECTS:
            page.wait_for_url(site_url + REDIRECTS[page_path])
            page.wait_for_load_state("load")
        page.evaluate(SETTLE_PAGE)
        described = page.evaluate(DESCRIBE_PAGE)
        visit.final_url = page.url
        visit.title = described["title"]
        visit.heading = described["heading"]
        visit.image_count = described["imageCount"]
        visit.broken_images = described["brokenImages"]
        visit.links = described["links"]
        visit.equations = described["equations"]
        visit.rendered_equations = described["renderedEquations"]
        visit.mathjax_containers = described["mathjaxContainers"]
        visit.mathjax_errors = described["mathjaxErrors"]
        visit.mathjax_version = described["mathjaxVersion"]
        if screenshot:
            visit.screenshot = SCREENSHOTS / (page_path.removesuffix(".html").replace("/", "__") + ".png")
            page.screenshot(path=str(visit.screenshot), full_page=True)
    finally:
        page.close()
    return visit


@pytest.fixture(scope="module")
def visits(browser_context, site_url: str, request) -> dict[str, PageVisit]:
    """Every expected page, visited once; the screenshots' folder is printed."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    result = {
        # A redirect page would only repeat its target's screenshot.
        page_path: _visit(browser_context, site_url, page_path, screenshot=page_path not in REDIRECTS)
        for page_path in expected_pages()
    }
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nsite test: a screenshot of every page is in {SCREENSHOTS}/")
    return result


def _fetch(url: str, cache: dict[str, tuple[int, str]]) -> tuple[int, str]:
    """HTTP status and text of a local URL, fetched once."""
    if url not in cache:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                is_html = response.headers.get_content_type() == "text/html"
                cache[url] = (response.status, body.decode("utf-8", "replace") if is_html else "")
        except urllib.error.HTTPError as error:
            error.close()
            cache[url] = (error.code, "")
    return cache[url]


def _unresolved_links(links: list[str], site_url: str, cache: dict[str, tuple[int, str]]) -> list[str]:
    """Internal links whose target is missing, or whose ``#fragment`` names no element there."""
    problems = []
    for link in sorted(set(links)):
        if not link.startswith(site_url):
            continue  # external: not reachable offline, not part of this site
        target, _, fragment = link.partition("#")
        status, text = _fetch(target, cache)
        if status != 200:
            problems.append(f"{link} -> HTTP {status}")
        elif fragment and text:
            anchor = re.escape(urllib.parse.unquote(fragment))
            if not re.search(rf"""\b(id|name)=["']{anchor}["']""", text):
                problems.append(f"{link} -> no element with id {fragment!r}")
    return problems


def test_the_site_has_exactly_the_expected_pages(built_site: Path):
    """One page per notebook, plus the landing, notation, glossary, references, search and redirect pages."""
    built = sorted(
        path.relative_to(built_site).as_posix()
        for path in built_site.rglob("*.html")
        if not path.relative_to(built_site).parts[0].startswith("_")
    )
    assert built == sorted(expected_pages())


@pytest.mark.parametrize("page_path", expected_pages())
def test_page_opens_cleanly_in_a_browser(page_path: str, visits: dict[str, PageVisit], site_url: str):
    """Title, loaded images, no failed or external request, resolving links, no console error."""
    visit = visits[page_path]
    link_cache: dict[str, tuple[int, str]] = {}
    problems = []
    if page_path in REDIRECTS and visit.final_url != site_url + REDIRECTS[page_path]:
        problems.append(f"does not redirect to {REDIRECTS[page_path]} (ends at {visit.final_url})")
    if not visit.title.strip() or "<no title>" in visit.title:
        problems.append(f"no page title (got {visit.title!r})")
    if not visit.heading.strip():
        problems.append("no <h1> heading")
    problems += [f"image not loaded: {src}" for src in visit.broken_images]
    problems += [f"local request failed: {failure}" for failure in visit.failed_local_requests]
    problems += [f"request for something outside the site: {url}" for url in visit.external_requests]
    problems += [f"console error: {error}" for error in visit.console_errors]
    problems += [f"broken link: {problem}" for problem in _unresolved_links(visit.links, site_url, link_cache)]
    if page_path not in REDIRECTS:
        assert visit.screenshot is not None and visit.screenshot.stat().st_size > 0
    assert not problems, f"{visit.url} (screenshot {visit.screenshot}):\n  " + "\n  ".join(problems)


def test_notebook_pages_show_their_figures(visits: dict[str, PageVisit]):
    """Each notebook page shows the figures stored in its outputs (every one checked above)."""
    for page_path, visit in visits.items():
        if page_path.startswith("notebooks/"):
            assert visit.image_count > 0, f"{page_path} shows no figure"


def test_equations_are_rendered_by_the_bundled_mathjax(visits: dict[str, PageVisit]):
    """Every equation on every page is typeset by MathJax 3 served from the site itself."""
    pages_with_math = {path: visit for path, visit in visits.items() if visit.equations}
    assert "intro.html" in pages_with_math, "the landing page's equation is missing"
    for page_path, visit in pages_with_math.items():
        assert visit.mathjax_version is not None and visit.mathjax_version.startswith("3."), (
            f"{page_path}: MathJax did not load (version {visit.mathjax_version!r})"
        )
        assert visit.rendered_equations == visit.equations, (
            f"{page_path}: {visit.rendered_equations} of {visit.equations} equations rendered"
        )
        assert visit.mathjax_containers >= visit.equations
        assert visit.mathjax_errors == 0, f"{page_path}: {visit.mathjax_errors} TeX errors"


def test_the_site_opens_from_the_file_system(browser_context, built_site: Path):
    """A reader opens ``_build/html/index.html`` from disk (the path ``make run`` prints)."""
    visit = _visit(browser_context, built_site.as_uri() + "/", "index.html", screenshot=False)
    assert visit.final_url == built_site.as_uri() + "/" + REDIRECTS["index.html"]
    assert visit.console_errors == []
    assert visit.failed_local_requests == [] and visit.external_requests == []
    assert visit.broken_images == []
    assert 0 < visit.equations == visit.rendered_equations
